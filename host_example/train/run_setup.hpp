// A training run's settings and loss, from a trainer YAML plus command-line overrides.
#pragma once

#include <filesystem>
#include <memory>
#include <rlloss/loss_config.hpp>
#include <rlloss/registry.hpp>
#include <string>
#include <utility>
#include <vector>

#include "train_config.hpp"

namespace rlloss::train {

struct RunSetup {
  TrainConfig config;
  std::string loss_mode;
  std::vector<std::pair<std::string, std::string>> loss_args;  // each resolved argument, as text
  std::shared_ptr<Loss> loss;
};

// The loss comes from the registry by the YAML's loss_mode (searching `plugin_dirs` and the
// YAML's own plugin_dirs first); `sets` are loss argument overrides (key=value).
RunSetup load_run(const std::filesystem::path& config_file,
                  const std::vector<std::filesystem::path>& plugin_dirs,
                  const std::vector<std::string>& sets);

}  // namespace rlloss::train
