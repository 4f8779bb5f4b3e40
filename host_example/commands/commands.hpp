// The subcommands of host_example; each returns the process exit code.
#pragma once

#include <filesystem>
#include <optional>
#include <rlloss/loss_config.hpp>
#include <string>
#include <vector>

#include "train/train_options.hpp"
#include "validate/isolation.hpp"

namespace rlloss::host {

struct CommonOptions {
  std::vector<std::filesystem::path> plugin_dirs;  // --plugin-dir, searched before the defaults
};

struct ValidateOptions {
  std::optional<std::filesystem::path> library;  // validate only this file
  std::string loss_mode;                         // or only this loaded plugin
  uint64_t seed = 1234;
  int threads = 0;  // N of the "1 vs N threads" check; 0: hardware concurrency (at least 2)
  validate::IsolationLimits limits;  // of each plugin file's child process
};

int run_list(const CommonOptions& common);
int run_config(const CommonOptions& common, const std::filesystem::path& config_file,
               const std::vector<LossOverride>& overrides);
int run_validate(const CommonOptions& common, const ValidateOptions& options);
int run_train(const CommonOptions& common, const TrainOptions& options);
int run_compare(const CommonOptions& common, const CompareOptions& options);

}  // namespace rlloss::host
