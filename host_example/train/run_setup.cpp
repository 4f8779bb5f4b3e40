#include "run_setup.hpp"

namespace rlloss::train {

RunSetup load_run(const std::filesystem::path& config_file,
                  const std::vector<std::filesystem::path>& plugin_dirs,
                  const std::vector<std::string>& sets) {
  const TrainerYaml yaml = load_trainer_yaml(config_file);
  std::vector<std::filesystem::path> dirs = plugin_dirs;
  for (const auto& dir : plugin_dirs_from_yaml(yaml)) dirs.push_back(dir);
  Registry registry;
  registry.load_search_path(dirs);
  std::vector<LossOverride> overrides;
  for (const auto& text : sets) overrides.push_back(parse_override(text));
  const ResolvedLossConfig resolved = resolve_loss_config(registry, yaml, overrides);
  RunSetup setup;
  setup.config = read_train_config(yaml);
  setup.loss_mode = resolved.loss_mode;
  for (const auto& entry : resolved.args.entries()) {
    setup.loss_args.emplace_back(entry.spec->name, format_arg_value(entry));
  }
  setup.loss = create_loss(registry, resolved);
  return setup;
}

}  // namespace rlloss::train
