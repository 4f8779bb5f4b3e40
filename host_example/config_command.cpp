// `host_example config`: the loss a trainer YAML resolves to, each value with where it came from.
#include <algorithm>
#include <iostream>
#include <rlloss/loss_config.hpp>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

#include "commands.hpp"

namespace rlloss::host {

int run_config(const CommonOptions& common, const std::filesystem::path& config_file,
               const std::vector<LossOverride>& overrides) {
  const TrainerYaml yaml = load_trainer_yaml(config_file);
  std::vector<std::filesystem::path> dirs = common.plugin_dirs;
  for (const auto& dir : plugin_dirs_from_yaml(yaml)) dirs.push_back(dir);
  Registry registry;
  registry.load_search_path(dirs);
  const ResolvedLossConfig config = resolve_loss_config(registry, yaml, overrides);
  // Creating the loss proves the plugin itself accepts the values, not only the host's checks.
  const std::shared_ptr<Loss> loss = create_loss(registry, config);

  std::cout << "loss_mode: " << config.loss_mode << "\n"
            << "plugin:    " << loss->name() << " " << loss->plugin().version() << " ("
            << loss->plugin().path().string() << ")\n"
            << "arguments:\n";
  size_t name_width = 0;
  size_t value_width = 0;
  for (const auto& entry : config.args.entries()) {
    name_width = std::max(name_width, std::string(entry.spec->name).size() + 1);
    value_width = std::max(value_width, format_arg_value(entry).size());
  }
  const auto& entries = config.args.entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string name = std::string(entries[i].spec->name) + ":";
    const std::string value = format_arg_value(entries[i]);
    std::cout << "  " << name << std::string(name_width - name.size() + 1, ' ') << value
              << std::string(value_width - value.size() + 2, ' ') << "(" << config.sources[i]
              << ")\n";
  }
  return 0;
}

}  // namespace rlloss::host
