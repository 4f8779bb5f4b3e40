// The guard at every C entry point, host's and plugin's alike: no C++ exception crosses the ABI.
// Each becomes a status code and a message in the caller's error buffer.
#pragma once

#include <rlloss/plugin_api.h>

#include <exception>
#include <new>
#include <rlloss/contract/error_buffer.hpp>

namespace rlloss::contract {

// Runs `body`. An `Error` (the caller's exception type, with a status()) keeps its status; out of
// memory and any other exception are RLLOSS_ERROR_INTERNAL; `unknown` describes a thrown
// non-exception.
template <class Error, class Body>
rlloss_status guarded_call(rlloss_error_buffer* error, const char* unknown, Body&& body) noexcept {
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
    write_message(error, unknown);
    return RLLOSS_ERROR_INTERNAL;
  }
}

}  // namespace rlloss::contract
