// host_example: lists, configures and validates rlloss loss plugins.
#include "commands.hpp"

#include <rlloss/registry.hpp>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

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
  validate->add_option("--threads", validate_options.threads,
                       "N of the 1-vs-N-threads check (default: all cores, at least 2)");

  CLI11_PARSE(app, argc, argv);
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
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 1;
}
