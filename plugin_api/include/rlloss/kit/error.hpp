// Errors inside a plugin and the guard that keeps every C++ exception from crossing the C ABI.
#pragma once

#include <rlloss/plugin_api.h>

#include <exception>
#include <new>
#include <rlloss/contract/error_buffer.hpp>
#include <stdexcept>
#include <string>

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
  try {
    body();
    return RLLOSS_OK;
  } catch (const Error& e) {
    write_message(error, e.what());
    return e.status();
  } catch (const std::bad_alloc&) {
    write_message(error, "out of memory");
    return RLLOSS_ERROR_INTERNAL;
  } catch (const std::exception& e) {
    write_message(error, e.what());
    return RLLOSS_ERROR_INTERNAL;
  } catch (...) {
    write_message(error, "unknown exception inside the plugin");
    return RLLOSS_ERROR_INTERNAL;
  }
}

}  // namespace rlloss::kit
