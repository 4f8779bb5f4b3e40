// The registry half of the host C API: creating a registry, the search path, loading plugins,
// reading what they declare.
#include <filesystem>
#include <string>
#include <vector>

#include "c_api_support.hpp"
#include "host_logger.hpp"

namespace fs = std::filesystem;
using namespace rlloss::c_api;
using rlloss::Registry;
using rlloss::RegistryError;

namespace {

// extra_dirs, then the YAML's plugin_dirs (which must exist).
std::vector<fs::path> named_dirs(const char* const* extra_dirs, uint32_t num_extra_dirs,
                                 const rlloss_host_yaml* yaml) {
  if (num_extra_dirs > 0) require(extra_dirs, "extra_dirs");
  std::vector<fs::path> dirs;
  for (uint32_t i = 0; i < num_extra_dirs; ++i) {
    if (extra_dirs[i] == nullptr)
      throw RegistryError("extra_dirs[" + std::to_string(i) + "] is NULL");
    dirs.emplace_back(extra_dirs[i]);
  }
  if (yaml != nullptr) {
    for (const fs::path& dir : rlloss::plugin_dirs_from_yaml(yaml->yaml)) dirs.push_back(dir);
  }
  return dirs;
}

const Registry& registry_of(const rlloss_host_registry* registry) {
  require(registry, "the registry");
  return registry->registry;
}

}  // namespace

extern "C" {

uint32_t rlloss_host_api_version(void) {
  return (uint32_t{RLLOSS_HOST_API_VERSION_MAJOR} << 16) | RLLOSS_HOST_API_VERSION_MINOR;
}

rlloss_status rlloss_host_registry_create(rlloss_host_registry** out, rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    require(out, "the registry out-pointer");
    ensure_default_logger();
    *out = new rlloss_host_registry();
  });
}

void rlloss_host_registry_destroy(rlloss_host_registry* registry) {
  delete registry;
}

rlloss_status rlloss_host_search_path(const char* const* extra_dirs, uint32_t num_extra_dirs,
                                      const rlloss_host_yaml* yaml, char* buffer, uint64_t capacity,
                                      uint64_t* needed, rlloss_error_buffer* error) {
  return guarded(error, [&] {
    require(needed, "needed");
    if (capacity > 0) require(buffer, "the buffer");
    std::string text;
    for (const fs::path& dir :
         Registry::search_path(named_dirs(extra_dirs, num_extra_dirs, yaml))) {
      text += dir.string() + "\n";
    }
    *needed = text.size() + 1;
    if (*needed <= capacity) std::copy(text.c_str(), text.c_str() + text.size() + 1, buffer);
  });
}

rlloss_status rlloss_host_load_search_path(rlloss_host_registry* registry,
                                           const char* const* extra_dirs, uint32_t num_extra_dirs,
                                           const rlloss_host_yaml* yaml,
                                           rlloss_error_buffer* error) {
  return guarded(error, [&] {
    require(registry, "the registry");
    registry->registry.load_search_path(named_dirs(extra_dirs, num_extra_dirs, yaml));
  });
}

rlloss_status rlloss_host_load_directory(rlloss_host_registry* registry, const char* dir,
                                         uint32_t* num_added, rlloss_error_buffer* error) {
  if (num_added != nullptr) *num_added = 0;
  return guarded(error, [&] {
    require(registry, "the registry");
    require(dir, "the directory");
    const size_t added = registry->registry.load_directory(dir);
    if (num_added != nullptr) *num_added = static_cast<uint32_t>(added);
  });
}

rlloss_status rlloss_host_load_file(rlloss_host_registry* registry, const char* file,
                                    rlloss_error_buffer* error) {
  return guarded(error, [&] {
    require(registry, "the registry");
    require(file, "the file");
    registry->registry.load_file(file);
  });
}

uint32_t rlloss_host_num_plugins(const rlloss_host_registry* registry) {
  if (registry == nullptr) return 0;
  try {
    return static_cast<uint32_t>(registry->registry.names().size());
  } catch (...) {
    return 0;
  }
}

rlloss_status rlloss_host_plugin_at(const rlloss_host_registry* registry, uint32_t index,
                                    rlloss_host_plugin_info* out, rlloss_error_buffer* error) {
  return guarded(error, [&] {
    const auto plugins = registry_of(registry).plugins();
    if (index >= plugins.size()) {
      throw RegistryError("plugin index " + std::to_string(index) + " is out of range: " +
                          std::to_string(plugins.size()) + " plugins are loaded");
    }
    fill_plugin_info(*plugins[index], out);
  });
}

rlloss_status rlloss_host_find_plugin(const rlloss_host_registry* registry, const char* name,
                                      rlloss_host_plugin_info* out, rlloss_error_buffer* error) {
  return guarded(error, [&] {
    require(name, "the plugin name");
    fill_plugin_info(*registry_of(registry).get(name), out);
  });
}

rlloss_status rlloss_host_plugin_arg(const rlloss_host_registry* registry, const char* name,
                                     uint32_t index, const rlloss_arg_spec** out,
                                     rlloss_error_buffer* error) {
  if (out != nullptr) *out = nullptr;
  return guarded(error, [&] {
    require(name, "the plugin name");
    require(out, "the argument spec out-pointer");
    const auto plugin = registry_of(registry).get(name);
    const auto args = plugin->args();
    if (index >= args.size()) {
      throw RegistryError("argument index " + std::to_string(index) + " is out of range: plugin '" +
                          plugin->name() + "' declares " + std::to_string(args.size()) +
                          " arguments");
    }
    *out = args[index];
  });
}

}  // extern "C"
