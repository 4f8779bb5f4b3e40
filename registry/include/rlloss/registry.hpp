// Host side: finding, loading and instantiating loss plugins.
//
// Libraries are loaded with RTLD_NOW | RTLD_LOCAL and never unmapped while the process runs (a
// plugin's CUDA fatbin may still be registered; metadata pointers must stay valid). A Loss holds a
// shared reference to its plugin's entry.
#pragma once

#include <rlloss/plugin_api.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <rlloss/loss_args.hpp>
#include <rlloss/registry_error.hpp>
#include <string>
#include <vector>

namespace rlloss {

// One loaded plugin library: its table (static in the library) and where it came from.
class LoadedPlugin {
 public:
  LoadedPlugin(const rlloss_plugin* table, std::filesystem::path path);

  const rlloss_plugin& table() const { return *table_; }
  const std::filesystem::path& path() const { return path_; }
  std::string name() const { return table_->name; }
  std::string version() const { return table_->version ? table_->version : ""; }
  std::string description() const { return table_->description ? table_->description : ""; }
  std::vector<std::string> device_names() const;  // e.g. {"cpu", "cuda"}
  // RLLOSS_PLUGIN_FLAG_* bits; 0 for an ABI 1.0 table, which has no flags field.
  uint64_t flags() const;
  std::vector<std::string> metric_names() const;
  std::vector<const rlloss_arg_spec*> args() const;
  const rlloss_arg_spec* find_arg(const std::string& name) const;

 private:
  const rlloss_plugin* table_;
  std::filesystem::path path_;
};

// A created loss instance; immutable and safe to call from many threads.
class Loss {
 public:
  Loss(std::shared_ptr<const LoadedPlugin> plugin, LossArgs args);
  ~Loss();
  Loss(const Loss&) = delete;
  Loss& operator=(const Loss&) = delete;

  const LoadedPlugin& plugin() const { return *plugin_; }
  std::string name() const { return plugin_->name(); }
  const LossArgs& args() const { return args_; }
  std::vector<std::string> metric_names() const { return plugin_->metric_names(); }
  // What the plugin's create said of a legal but questionable setting; empty when nothing.
  const std::string& create_warning() const { return create_warning_; }

  // Calls the plugin; throws RegistryError with the plugin's message on failure.
  void compute(const rlloss_compute_call& call) const;
  // Calls the plugin and returns its status; its message, on failure, is in `error`.
  rlloss_status try_compute(const rlloss_compute_call& call,
                            rlloss_error_buffer* error) const noexcept;

 private:
  std::shared_ptr<const LoadedPlugin> plugin_;
  LossArgs args_;  // every declared argument's value, as passed to create
  rlloss_instance* instance_ = nullptr;
  std::string create_warning_;
};

class Registry {
 public:
  Registry() = default;

  // RLLOSS_PLUGIN_PATH (colon-separated), then `extra_dirs`, then the default plugin directory of
  // the running copy if it exists: <build>/plugins in the build tree, <prefix>/lib/rlloss/plugins
  // when installed (found relative to the program or librlloss_host.so, so a moved prefix works).
  static std::vector<std::filesystem::path> search_path(
      const std::vector<std::filesystem::path>& extra_dirs = {});

  // The files load_search_path(extra_dirs) would try, in its order, each once (canonical): names
  // ending in ".so" whose .dynsym exports the entry symbol. Runs no plugin code, so a host can
  // hand each file to a separate process. A named directory that does not exist is an error.
  static std::vector<std::filesystem::path> plugin_files(
      const std::vector<std::filesystem::path>& extra_dirs = {});

  // Loads every plugin in each directory of search_path(extra_dirs). A directory named in
  // `extra_dirs` or RLLOSS_PLUGIN_PATH that does not exist is an error.
  void load_search_path(const std::vector<std::filesystem::path>& extra_dirs = {});

  // Loads every plugin in `dir`: files whose name ends in ".so" (not ".so.bak", ".so.dpkg-new").
  // Files that are not plugins (no rlloss_plugin_entry in .dynsym, not ELF, another ABI major, a
  // broken table) are skipped with a logged reason; a file already loaded (reached through
  // another path) is not loaded again. Two plugins with one name are an error naming both files.
  // Returns how many plugins were added.
  size_t load_directory(const std::filesystem::path& dir);

  // Loads one library; any problem is an error naming the file and the reason.
  std::shared_ptr<const LoadedPlugin> load_file(const std::filesystem::path& file);

  // Loaded plugins, sorted by name.
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins() const;
  std::vector<std::string> names() const;
  std::shared_ptr<const LoadedPlugin> find(const std::string& name) const;  // null if absent
  // Throws RegistryError listing the loaded names when `name` is not loaded.
  std::shared_ptr<const LoadedPlugin> get(const std::string& name) const;

  // Creates a loss from fully resolved arguments (see loss_config.hpp for YAML and overrides) and
  // logs its create warning, if any.
  std::shared_ptr<Loss> create(const std::string& name, const LossArgs& args) const;
  // Every argument of plugin `name` at its schema default, for a caller to change and create().
  LossArgs default_args(const std::string& name) const;
  // Creates a loss with every argument at its schema default.
  std::shared_ptr<Loss> create_default(const std::string& name) const;

 private:
  void add(std::shared_ptr<const LoadedPlugin> plugin);

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> by_name_;
};

}  // namespace rlloss
