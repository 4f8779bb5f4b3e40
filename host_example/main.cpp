// host_example: lists, configures and validates rlloss loss plugins.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <optional>
#include <rlloss/registry.hpp>
#include <string>

#include "commands/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"host_example: list, configure and validate rlloss policy-loss plugins"};
  app.require_subcommand(1);
  rlloss::host::CommonOptions common;
  bool verbose = false;
  app.add_option("--plugin-dir", common.plugin_dirs,
                 "directory to search for plugins (repeatable), before RLLOSS_PLUGIN_PATH's "
                 "defaults")
      ->check(CLI::ExistingDirectory);
  app.add_flag("-v,--verbose", verbose, "log why files were skipped and what was loaded");

  auto* list = app.add_subcommand("list", "print every plugin found, its devices and arguments");

  auto* config = app.add_subcommand("config", "print the loss a trainer YAML resolves to");
  std::string config_file;
  std::vector<std::string> sets;
  config->add_option("--config", config_file, "verl-shaped trainer YAML")->required();
  config->add_option("--set", sets, "override an argument: key=value (repeatable)");

  auto* validate = app.add_subcommand(
      "validate", "check plugins: gradients, masking, threads, data-parallel, reference");
  rlloss::host::ValidateOptions validate_options;
  std::string library;
  validate->add_option("--library", library, "validate only this plugin library file");
  validate->add_option("--loss-mode", validate_options.loss_mode, "validate only this plugin");
  validate->add_option("--seed", validate_options.seed, "random seed of the test batches");
  validate
      ->add_option("--time-limit", validate_options.limits.time_limit_s,
                   "seconds each plugin file's checks may take (default 120)")
      ->check(CLI::PositiveNumber);
  validate
      ->add_option("--memory-limit", validate_options.limits.memory_limit_mb,
                   "MB of address space for each plugin file's checks; 0: none (default 8192)")
      ->check(CLI::NonNegativeNumber);
  validate->add_option("--threads", validate_options.threads,
                       "N of the 1-vs-N-threads check (default: all cores, at least 2)");

  auto* train = app.add_subcommand(
      "train", "train a small policy with GRPO on the reversal task with the YAML's loss");
  rlloss::host::TrainOptions train_options;
  std::optional<uint64_t> train_seed;
  std::optional<int64_t> train_steps;
  std::optional<std::string> metrics_file;
  std::optional<std::string> save_params;
  train->add_option("--config", train_options.config_file, "verl-shaped trainer YAML")
      ->required()
      ->check(CLI::ExistingFile);
  train->add_option("--set", train_options.sets, "override a loss argument: key=value");
  train->add_option("--seed", train_seed, "override trainer.seed");
  train->add_option("--steps", train_steps, "override trainer.total_training_steps");
  train->add_option("--metrics-file", metrics_file, "override trainer.metrics_file");
  train->add_option("--save-params", save_params, "write the final parameters (torch::save)");
  train->add_option("--checkpoint-dir", train_options.checkpoint_dir,
                    "override trainer.checkpoint_dir");
  train->add_option("--checkpoint-interval", train_options.checkpoint_interval,
                    "override trainer.checkpoint_interval (0: only on SIGINT/SIGTERM)");
  train->add_option("--resume", train_options.resume,
                    "continue a run: 'auto' (the newest checkpoint in the checkpoint directory, "
                    "if any), a checkpoint file, or a directory of checkpoints");
  train->add_option("--nproc", train_options.nproc,
                    "data parallel on this machine: fork this many processes (loopback only)");
  train->add_option("--rank", train_options.rank, "data parallel across machines: this rank");
  train->add_option("--world-size", train_options.world_size, "... of this many processes");
  train->add_option("--master-addr", train_options.master_addr, "--rank runs: rank 0's address");
  train
      ->add_option("--master-port", train_options.master_port,
                   "--rank runs: rank 0's rendezvous port (default 29500)")
      ->check(CLI::Range(1, 65535));

  auto* compare = app.add_subcommand(
      "compare", "train several configs with the same seeds and data; table and reward/KL plot");
  rlloss::host::CompareOptions compare_options;
  std::optional<int64_t> compare_steps;
  compare->add_option("configs", compare_options.configs, "two or more trainer YAMLs")
      ->required()
      ->expected(2, 16)
      ->check(CLI::ExistingFile);
  compare
      ->add_option("--seeds", compare_options.seeds,
                   "seeds to run each config with (default: the first config's trainer.seed)")
      ->delimiter(',');
  compare->add_option("--steps", compare_steps, "override trainer.total_training_steps");
  compare->add_option("--out-dir", compare_options.out_dir,
                      "where the metrics, curves and compare.png go");

  CLI11_PARSE(app, argc, argv);
  // Errors and the registry's log go to stderr (spdlog's default logger writes to stdout), so
  // stdout carries only a command's results.
  spdlog::set_default_logger(spdlog::stderr_color_mt("host_example"));
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  try {
    if (*list) return rlloss::host::run_list(common);
    if (*config) {
      std::vector<rlloss::LossOverride> overrides;
      for (const auto& text : sets) overrides.push_back(rlloss::parse_override(text));
      return rlloss::host::run_config(common, config_file, overrides);
    }
    if (*validate) {
      if (!library.empty()) validate_options.library = library;
      return rlloss::host::run_validate(common, validate_options);
    }
    if (*train) {
      train_options.seed = train_seed;
      train_options.steps = train_steps;
      train_options.metrics_file = metrics_file;
      train_options.save_params = save_params;
      return rlloss::host::run_train(common, train_options);
    }
    if (*compare) {
      compare_options.steps = compare_steps;
      return rlloss::host::run_compare(common, compare_options);
    }
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 1;
}
