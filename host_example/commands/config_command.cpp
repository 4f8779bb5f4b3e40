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
  // Creating the loss proves the plugin itself accepts the values, not only the host's checks.
  const YamlLoss loaded = load_loss(load_trainer_yaml(config_file), common.plugin_dirs, overrides);
  const ResolvedLossConfig& config = loaded.config;
  const std::shared_ptr<Loss>& loss = loaded.loss;

  std::cout << "loss_mode: " << config.loss_mode << "\n"
            << "plugin:    " << loss->name() << " " << loss->plugin().version() << " ("
            << loss->plugin().path().string() << ")\n"
            << "arguments:\n";
  size_t name_width = 0;
  size_t value_width = 0;
  for (const LossArg& arg : config.args.entries()) {
    name_width = std::max(name_width, arg.name().size() + 1);
    value_width = std::max(value_width, arg.text().size());
  }
  for (const LossArg& arg : config.args.entries()) {
    const std::string name = arg.name() + ":";
    const std::string value = arg.text();
    std::cout << "  " << name << std::string(name_width - name.size() + 1, ' ') << value
              << std::string(value_width - value.size() + 2, ' ') << "(" << arg.source << ")\n";
  }
  return 0;
}

}  // namespace rlloss::host
