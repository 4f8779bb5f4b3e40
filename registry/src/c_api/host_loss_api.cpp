// The loss half of the host C API: creating a loss from a name and values or from a resolved
// config, reading it back, computing.
#include <string>
#include <vector>

#include "c_api_support.hpp"

using namespace rlloss::c_api;
using rlloss::RegistryError;

namespace {

const rlloss_host_loss& loss_of(const rlloss_host_loss* loss) {
  require(loss, "the loss");
  return *loss;
}

// The Loss constructor calls the plugin's create; its warning goes back to the caller.
rlloss_host_loss* make_loss(std::shared_ptr<const rlloss::LoadedPlugin> plugin,
                            rlloss::LossArgs args, rlloss_error_buffer* error) {
  auto loss = std::make_shared<rlloss::Loss>(std::move(plugin), std::move(args));
  auto* handle = new rlloss_host_loss{loss};
  write_message(error, loss->create_warning());
  return handle;
}

}  // namespace

extern "C" {

rlloss_status rlloss_host_loss_create(const rlloss_host_registry* registry, const char* name,
                                      const rlloss_arg_value* values, uint32_t num_values,
                                      rlloss_host_loss** out, rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  clear_message(error);
  return guarded(error, [&] {
    require(registry, "the registry");
    require(name, "the plugin name");
    require(out, "the loss out-pointer");
    if (num_values > 0) {
      require(values, "the argument values");
      require_struct_size(values->struct_size, RLLOSS_STRUCT_SIZE(rlloss_arg_value, string),
                          "rlloss_arg_value");
    }
    auto plugin = registry->registry.get(name);
    rlloss::LossArgs args(plugin->table());
    args.set_create_values(values, num_values);
    args.apply_defaults();
    *out = make_loss(std::move(plugin), std::move(args), error);
  });
}

rlloss_status rlloss_host_loss_create_from_config(const rlloss_host_registry* registry,
                                                  const rlloss_host_config* config,
                                                  rlloss_host_loss** out,
                                                  rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  clear_message(error);
  return guarded(error, [&] {
    require(registry, "the registry");
    require(config, "the config");
    require(out, "the loss out-pointer");
    const auto& resolved = config->config;
    *out = make_loss(registry->registry.get(resolved.loss_mode), resolved.args, error);
  });
}

void rlloss_host_loss_destroy(rlloss_host_loss* loss) {
  delete loss;
}

rlloss_status rlloss_host_loss_plugin(const rlloss_host_loss* loss, rlloss_host_plugin_info* out,
                                      rlloss_error_buffer* error) {
  return guarded(error, [&] { fill_plugin_info(loss_of(loss).loss->plugin(), out); });
}

uint32_t rlloss_host_loss_num_args(const rlloss_host_loss* loss) {
  return loss ? static_cast<uint32_t>(loss->loss->args().entries().size()) : 0;
}

rlloss_status rlloss_host_loss_arg(const rlloss_host_loss* loss, uint32_t index,
                                   rlloss_host_arg* out, rlloss_error_buffer* error) {
  return guarded(error, [&] {
    const auto& handle = loss_of(loss);
    const auto& entries = handle.loss->args().entries();
    if (index >= entries.size()) {
      throw RegistryError("argument index " + std::to_string(index) + " is out of range: loss '" +
                          handle.loss->name() + "' has " + std::to_string(entries.size()) +
                          " arguments");
    }
    fill_arg(entries[index], out);
  });
}

rlloss_status rlloss_host_loss_compute(const rlloss_host_loss* loss,
                                       const rlloss_compute_call* call,
                                       rlloss_error_buffer* error) {
  if (loss == nullptr || call == nullptr) {
    write_message(error, loss == nullptr ? "the loss is NULL" : "the compute call is NULL");
    return RLLOSS_ERROR_INVALID_ARGUMENT;
  }
  // The plugin writes its own message; a buffer too old to be written is not handed on.
  const bool writable =
      error != nullptr && error->struct_size >= RLLOSS_ERROR_BUFFER_STRUCT_SIZE_1_0;
  return loss->loss->try_compute(*call, writable ? error : nullptr);
}

}  // extern "C"
