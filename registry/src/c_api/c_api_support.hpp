// What every function of the host C API shares: the handle types behind its opaque pointers, the
// guard that turns C++ exceptions into status codes, and the checks of caller-provided structs.
#pragma once

#include <rlloss/host_api.h>

#include <memory>
#include <rlloss/contract/guarded_call.hpp>
#include <rlloss/loss_config.hpp>
#include <rlloss/registry.hpp>
#include <string>
#include <utility>
#include <vector>

struct rlloss_host_registry {
  rlloss::Registry registry;
};

struct rlloss_host_yaml {
  rlloss::TrainerYaml yaml;
};

struct rlloss_host_config {
  rlloss::ResolvedLossConfig config;
};

struct rlloss_host_loss {
  std::shared_ptr<rlloss::Loss> loss;
};

namespace rlloss::c_api {

// Copies `message` into the caller's buffer, cut at a UTF-8 character boundary when it does not
// fit. A NULL buffer, or one smaller than ABI 1.0's, is left alone.
void write_message(rlloss_error_buffer* error, const std::string& message) noexcept;
void clear_message(rlloss_error_buffer* error) noexcept;

// Throws RegistryError naming `what` when `pointer` is NULL.
void require(const void* pointer, const char* what);

// Throws RegistryError unless the caller's out-struct is at least ABI 1.0's size.
void require_struct_size(uint32_t struct_size, size_t size_1_0, const char* type_name);

// Runs `body`, turning every exception into a status code and a message.
template <class Body>
rlloss_status guarded(rlloss_error_buffer* error, Body&& body) noexcept {
  return contract::guarded_call<RegistryError>(
      error, "unknown exception in the rlloss host library", std::forward<Body>(body));
}

// Fills `out` (size checked) from a loaded plugin; its path points into `plugin`.
void fill_plugin_info(const LoadedPlugin& plugin, rlloss_host_plugin_info* out);

// Fills `out` (size checked) from one resolved argument and its source.
void fill_arg(const LossArg& arg, rlloss_host_arg* out);

}  // namespace rlloss::c_api
