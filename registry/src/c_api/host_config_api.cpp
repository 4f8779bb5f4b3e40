// The YAML half of the host C API: reading a verl-shaped trainer YAML and resolving it, with
// overrides, into a loss_mode and argument values with their sources.
#include <string>
#include <vector>

#include "c_api_support.hpp"

using namespace rlloss::c_api;
using rlloss::RegistryError;

namespace {

const rlloss_host_config& config_of(const rlloss_host_config* config) {
  require(config, "the config");
  return *config;
}

}  // namespace

extern "C" {

rlloss_status rlloss_host_yaml_load_file(const char* path, rlloss_host_yaml** out,
                                         rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    require(path, "the YAML path");
    require(out, "the YAML out-pointer");
    *out = new rlloss_host_yaml{rlloss::load_trainer_yaml(path)};
  });
}

rlloss_status rlloss_host_yaml_parse(const char* text, const char* base_dir,
                                     const char* source_name, rlloss_host_yaml** out,
                                     rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    require(text, "the YAML text");
    require(out, "the YAML out-pointer");
    *out = new rlloss_host_yaml{rlloss::parse_trainer_yaml(text, base_dir ? base_dir : ".",
                                                           source_name ? source_name : "<yaml>")};
  });
}

void rlloss_host_yaml_destroy(rlloss_host_yaml* yaml) {
  delete yaml;
}

rlloss_status rlloss_host_resolve(const rlloss_host_registry* registry,
                                  const rlloss_host_yaml* yaml, const char* const* overrides,
                                  uint32_t num_overrides, rlloss_host_config** out,
                                  rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    require(registry, "the registry");
    require(out, "the config out-pointer");
    if (num_overrides > 0) require(overrides, "overrides");
    std::vector<rlloss::LossOverride> parsed;
    for (uint32_t i = 0; i < num_overrides; ++i) {
      if (overrides[i] == nullptr)
        throw RegistryError("overrides[" + std::to_string(i) + "] is NULL");
      parsed.push_back(rlloss::parse_override(overrides[i]));
    }
    const rlloss::TrainerYaml empty = rlloss::parse_trainer_yaml("{}");
    *out = new rlloss_host_config{
        rlloss::resolve_loss_config(registry->registry, yaml ? yaml->yaml : empty, parsed)};
  });
}

void rlloss_host_config_destroy(rlloss_host_config* config) {
  delete config;
}

const char* rlloss_host_config_loss_mode(const rlloss_host_config* config) {
  return config ? config->config.loss_mode.c_str() : nullptr;
}

uint32_t rlloss_host_config_num_args(const rlloss_host_config* config) {
  return config ? static_cast<uint32_t>(config->config.args.entries().size()) : 0;
}

rlloss_status rlloss_host_config_arg(const rlloss_host_config* config, uint32_t index,
                                     rlloss_host_arg* out, rlloss_error_buffer* error) {
  return guarded(error, [&] {
    const auto& resolved = config_of(config).config;
    const auto& entries = resolved.args.entries();
    if (index >= entries.size()) {
      throw RegistryError("argument index " + std::to_string(index) +
                          " is out of range: the config of '" + resolved.loss_mode + "' has " +
                          std::to_string(entries.size()) + " arguments");
    }
    fill_arg(entries[index], out);
  });
}

}  // extern "C"
