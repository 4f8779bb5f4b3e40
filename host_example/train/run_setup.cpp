#include "run_setup.hpp"

namespace rlloss::train {

RunSetup load_run(const std::filesystem::path& config_file,
                  const std::vector<std::filesystem::path>& plugin_dirs,
                  const std::vector<std::string>& sets) {
  const TrainerYaml yaml = load_trainer_yaml(config_file);
  std::vector<LossOverride> overrides;
  for (const auto& text : sets) overrides.push_back(parse_override(text));
  YamlLoss loaded = load_loss(yaml, plugin_dirs, overrides);
  RunSetup setup;
  setup.config = read_train_config(yaml);
  setup.loss_mode = loaded.config.loss_mode;
  for (const LossArg& arg : loaded.config.args.entries()) {
    setup.loss_args.emplace_back(arg.name(), arg.text());
  }
  setup.loss = std::move(loaded.loss);
  return setup;
}

}  // namespace rlloss::train
