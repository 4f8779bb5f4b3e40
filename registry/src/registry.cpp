#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstddef>
#include <cstdlib>
#include <rlloss/contract/versioned_array.hpp>
#include <rlloss/registry.hpp>
#include <sstream>

#include "default_plugin_dir.hpp"
#include "elf_inspect.hpp"
#include "table_validation.hpp"

namespace rlloss {
namespace fs = std::filesystem;

namespace {

// Libraries stay mapped until the process exits: deliberately never destroyed.
std::vector<boost::dll::shared_library>& mapped_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}
std::mutex& mapped_libraries_mutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}

const rlloss_plugin* map_and_enter(const fs::path& file) {
  boost::dll::shared_library library;
  try {
    library.load(boost::dll::fs::path(file.string()),
                 boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw RegistryError("cannot load " + file.string() + ": " + e.what());
  }
  if (!library.has(RLLOSS_ENTRY_SYMBOL)) {
    throw RegistryError(file.string() + " does not export " RLLOSS_ENTRY_SYMBOL);
  }
  auto entry = library.get<const rlloss_plugin*(uint32_t)>(RLLOSS_ENTRY_SYMBOL);
  // Logged before the plugin's code runs: if it crashes the process, `-v` names the culprit.
  spdlog::debug("{}: calling {}", file.string(), RLLOSS_ENTRY_SYMBOL);
  spdlog::default_logger()->flush();
  const rlloss_plugin* table = entry(RLLOSS_ABI_VERSION_MAJOR);
  std::lock_guard<std::mutex> lock(mapped_libraries_mutex());
  mapped_libraries().push_back(std::move(library));
  return table;
}

// Only names ending in ".so": a package manager's or an editor's leftovers (.so.bak, .so.old,
// .so.dpkg-new) are copies of a plugin and would each claim its name.
bool is_plugin_candidate(const fs::path& file) {
  const std::string name = file.filename().string();
  return name.size() > 3 && name.compare(name.size() - 3, 3, ".so") == 0;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
  return text;
}

std::vector<fs::path> split_path_list(const char* text) {
  std::vector<fs::path> dirs;
  if (text == nullptr) return dirs;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ':')) {
    if (!item.empty()) dirs.emplace_back(item);
  }
  return dirs;
}

fs::path canonical_or_self(const fs::path& path) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(path, error);
  return error ? path : canonical;
}

// The files of `dir` that may be plugins, sorted: named *.so, regular, exporting the entry
// symbol. The others are skipped with a logged reason. Runs no plugin code.
std::vector<fs::path> candidate_files(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw RegistryError("plugin directory " + dir.string() + " does not exist");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, error)) files.push_back(entry.path());
  if (error)
    throw RegistryError("cannot list plugin directory " + dir.string() + ": " + error.message());
  std::sort(files.begin(), files.end());
  std::vector<fs::path> candidates;
  for (const fs::path& file : files) {
    if (!is_plugin_candidate(file)) {
      spdlog::debug("skipping {}: its name does not end in .so", file.string());
      continue;
    }
    if (!fs::is_regular_file(file, error)) {
      spdlog::warn("skipping {}: not a regular file{}", file.string(),
                   fs::is_symlink(fs::symlink_status(file, error)) ? " (dangling symlink)" : "");
      continue;
    }
    const detail::ElfVerdict verdict = detail::inspect_plugin_file(file, RLLOSS_ENTRY_SYMBOL);
    if (!verdict.is_plugin) {
      spdlog::info("skipping {}: {}", file.string(), verdict.reason);
      continue;
    }
    candidates.push_back(file);
  }
  return candidates;
}

}  // namespace

// ---- LoadedPlugin ----

LoadedPlugin::LoadedPlugin(const rlloss_plugin* table, fs::path path)
    : table_(table), path_(std::move(path)) {}

uint64_t LoadedPlugin::flags() const {
  const size_t end = RLLOSS_PLUGIN_STRUCT_SIZE_1_1;
  return table_->struct_size >= end ? table_->flags : 0;
}

std::vector<std::string> LoadedPlugin::device_names() const {
  std::vector<std::string> names;
  if (table_->devices & RLLOSS_DEVICE_BIT(kDLCPU)) names.push_back("cpu");
  if (table_->devices & RLLOSS_DEVICE_BIT(kDLCUDA)) names.push_back("cuda");
  return names;
}

std::vector<std::string> LoadedPlugin::metric_names() const {
  return {table_->metric_names, table_->metric_names + table_->num_metrics};
}

std::vector<const rlloss_arg_spec*> LoadedPlugin::args() const {
  std::vector<const rlloss_arg_spec*> specs;
  for (uint32_t i = 0; i < table_->num_args; ++i) {
    specs.push_back(&contract::versioned_at(table_->args, i));
  }
  return specs;
}

const rlloss_arg_spec* LoadedPlugin::find_arg(const std::string& name) const {
  for (const rlloss_arg_spec* spec : args()) {
    if (name == spec->name) return spec;
  }
  return nullptr;
}

// ---- Loss ----

Loss::Loss(std::shared_ptr<const LoadedPlugin> plugin, LossArgs args)
    : plugin_(std::move(plugin)), args_(std::move(args)) {
  if (args_.loss_name() != plugin_->name()) {
    throw RegistryError("arguments of loss '" + args_.loss_name() + "' given to plugin '" +
                        plugin_->name() + "'");
  }
  const std::vector<rlloss_arg_value> values = args_.create_values();
  char message[1024] = "";
  rlloss_error_buffer error{sizeof(rlloss_error_buffer), message, sizeof message};
  const rlloss_status status = plugin_->table().create(
      values.data(), static_cast<uint32_t>(values.size()), &instance_, &error);
  if (status != RLLOSS_OK || instance_ == nullptr) {
    throw RegistryError("plugin '" + plugin_->name() + "' (" + plugin_->path().string() +
                            ") refused its arguments: " +
                            (message[0] ? message : "create failed without a message"),
                        status == RLLOSS_OK ? RLLOSS_ERROR_INTERNAL : status);
  }
  create_warning_ = message;
}

Loss::~Loss() {
  plugin_->table().destroy(instance_);
}

void Loss::compute(const rlloss_compute_call& call) const {
  char message[1024] = "";
  rlloss_error_buffer error{sizeof(rlloss_error_buffer), message, sizeof message};
  const rlloss_status status = plugin_->table().compute(instance_, &call, &error);
  if (status != RLLOSS_OK) {
    throw RegistryError("plugin '" + plugin_->name() + "' compute failed (status " +
                            std::to_string(status) + "): " + (message[0] ? message : "no message"),
                        status);
  }
}

rlloss_status Loss::try_compute(const rlloss_compute_call& call,
                                rlloss_error_buffer* error) const noexcept {
  return plugin_->table().compute(instance_, &call, error);
}

// ---- Registry ----

std::vector<fs::path> Registry::search_path(const std::vector<fs::path>& extra_dirs) {
  std::vector<fs::path> dirs = split_path_list(std::getenv("RLLOSS_PLUGIN_PATH"));
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  const fs::path fallback = default_plugin_dir();
  std::error_code ec;
  if (!fallback.empty() && fs::is_directory(fallback, ec)) dirs.push_back(fallback);
  return dirs;
}

namespace {

// The directories named by RLLOSS_PLUGIN_PATH and the caller, each of which must exist.
std::vector<fs::path> named_dirs(const std::vector<fs::path>& extra_dirs) {
  const auto named = split_path_list(std::getenv("RLLOSS_PLUGIN_PATH"));
  std::vector<fs::path> dirs = named;
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const fs::path& dir : dirs) {
    if (!fs::is_directory(dir)) {
      throw RegistryError("plugin directory " + dir.string() + " does not exist" +
                          (std::find(named.begin(), named.end(), dir) != named.end()
                               ? " (named in RLLOSS_PLUGIN_PATH)"
                               : ""));
    }
  }
  return dirs;
}

}  // namespace

std::vector<fs::path> Registry::plugin_files(const std::vector<fs::path>& extra_dirs) {
  named_dirs(extra_dirs);
  std::vector<fs::path> files;
  for (const fs::path& dir : search_path(extra_dirs)) {
    for (const fs::path& file : candidate_files(dir)) {
      const fs::path path = canonical_or_self(file);
      if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
    }
  }
  return files;
}

void Registry::load_search_path(const std::vector<fs::path>& extra_dirs) {
  const std::vector<fs::path> explicit_dirs = named_dirs(extra_dirs);
  const std::vector<fs::path> dirs = search_path(extra_dirs);
  for (size_t i = 0; i < dirs.size(); ++i) {
    const bool is_default = i >= explicit_dirs.size();
    if (!is_default) {
      load_directory(dirs[i]);
      continue;
    }
    // The default directory only fills in names no named directory provided.
    Registry defaults;
    defaults.load_directory(dirs[i]);
    for (const auto& plugin : defaults.plugins()) {
      if (const auto named = find(plugin->name())) {
        // The default directory may also be named explicitly: then it is the same file.
        if (named->path() != plugin->path()) {
          spdlog::info("plugin '{}' in {} is shadowed by {}", plugin->name(),
                       plugin->path().string(), named->path().string());
        }
        continue;
      }
      add(plugin);
    }
  }
}

size_t Registry::load_directory(const fs::path& dir) {
  // load_file returns the plugin already loaded from the same file; count only new ones.
  const size_t loaded_before = names().size();
  for (const fs::path& file : candidate_files(dir)) {
    try {
      load_file(file);
    } catch (const RegistryError& e) {
      if (std::string(e.what()).rfind("two plugins named", 0) == 0) throw;
      spdlog::warn("skipping {}", e.what());
    }
  }
  return names().size() - loaded_before;
}

std::shared_ptr<const LoadedPlugin> Registry::load_file(const fs::path& file) {
  const fs::path path = canonical_or_self(file);
  if (!fs::exists(path)) throw RegistryError("plugin file " + file.string() + " does not exist");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, plugin] : by_name_) {
      if (plugin->path() == path) return plugin;
    }
  }
  const detail::ElfVerdict verdict = detail::inspect_plugin_file(path, RLLOSS_ENTRY_SYMBOL);
  if (!verdict.is_plugin)
    throw RegistryError(path.string() + " is not a plugin: " + verdict.reason);
  const rlloss_plugin* table = map_and_enter(path);
  const std::string problem = detail::table_problem(table);
  if (!problem.empty()) throw RegistryError(path.string() + " is refused: " + problem);
  auto plugin = std::make_shared<const LoadedPlugin>(table, path);
  add(plugin);
  spdlog::debug("loaded plugin '{}' {} from {}", plugin->name(), plugin->version(), path.string());
  return plugin;
}

void Registry::add(std::shared_ptr<const LoadedPlugin> plugin) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto [it, inserted] = by_name_.emplace(plugin->name(), plugin);
  if (!inserted && it->second->path() != plugin->path()) {
    throw RegistryError("two plugins named '" + plugin->name() +
                        "': " + it->second->path().string() + " and " + plugin->path().string());
  }
}

std::vector<std::shared_ptr<const LoadedPlugin>> Registry::plugins() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<const LoadedPlugin>> all;
  for (const auto& [name, plugin] : by_name_) all.push_back(plugin);
  return all;
}

std::vector<std::string> Registry::names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> all;
  for (const auto& [name, plugin] : by_name_) all.push_back(name);
  return all;
}

std::shared_ptr<const LoadedPlugin> Registry::find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::shared_ptr<const LoadedPlugin> Registry::get(const std::string& name) const {
  auto plugin = find(name);
  if (!plugin) {
    const auto loaded = names();
    throw RegistryError("unknown loss_mode '" + name + "'; loaded plugins: " +
                        (loaded.empty() ? std::string("none") : join(loaded, ", ")));
  }
  return plugin;
}

std::shared_ptr<Loss> Registry::create(const std::string& name, const LossArgs& args) const {
  auto loss = std::make_shared<Loss>(get(name), args);
  if (!loss->create_warning().empty()) spdlog::warn("{}", loss->create_warning());
  return loss;
}

LossArgs Registry::default_args(const std::string& name) const {
  LossArgs args(get(name)->table());
  args.apply_defaults();
  return args;
}

std::shared_ptr<Loss> Registry::create_default(const std::string& name) const {
  return create(name, default_args(name));
}

}  // namespace rlloss
