// Errors inside a plugin and the guard that keeps every C++ exception from crossing the C ABI.
#pragma once

#include <rlloss/plugin_api.h>

#include <exception>
#include <rlloss/contract/error_buffer.hpp>
#include <rlloss/contract/guarded_call.hpp>
#include <stdexcept>
#include <string>
#include <utility>

namespace rlloss::kit {

class Error : public std::runtime_error {
 public:
  Error(rlloss_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  rlloss_status status() const { return status_; }

 private:
  rlloss_status status_;
};

[[noreturn]] inline void fail(const std::string& message) {
  throw Error(RLLOSS_ERROR_INVALID_ARGUMENT, message);
}

[[noreturn]] inline void fail_unsupported(const std::string& message) {
  throw Error(RLLOSS_ERROR_UNSUPPORTED, message);
}

using contract::write_message;

// Runs `body` and turns every exception into a status code plus a message.
template <class Body>
rlloss_status guarded(rlloss_error_buffer* error, Body&& body) noexcept {
  return contract::guarded_call<Error>(error, "unknown exception inside the plugin",
                                       std::forward<Body>(body));
}

}  // namespace rlloss::kit
