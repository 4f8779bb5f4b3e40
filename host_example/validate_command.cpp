// `host_example validate`: runs the generic checks (and the reference check where one exists) on
// every plugin found, one library, or one loss_mode, and prints a table.
#include <algorithm>
#include <iostream>
#include <limits>
#include <rlloss/registry.hpp>
#include <thread>

#include "commands.hpp"
#include "validate/checks.hpp"
#include "validate/loss_configurations.hpp"
#include "validate/report_table.hpp"

namespace rlloss::host {
namespace {

std::vector<std::string> plugins_to_validate(Registry& registry, const CommonOptions& common,
                                             const ValidateOptions& options) {
  if (options.library) {
    const auto plugin = registry.load_file(*options.library);
    if (!options.loss_mode.empty() && options.loss_mode != plugin->name()) {
      throw RegistryError("--loss-mode " + options.loss_mode + " does not match the plugin '" +
                          plugin->name() + "' in " + options.library->string());
    }
    return {plugin->name()};
  }
  registry.load_search_path(common.plugin_dirs);
  if (!options.loss_mode.empty()) return {registry.get(options.loss_mode)->name()};
  return registry.names();
}

}  // namespace

int run_validate(const CommonOptions& common, const ValidateOptions& options) {
  Registry registry;
  const std::vector<std::string> names = plugins_to_validate(registry, common, options);
  if (names.empty()) {
    std::string searched;
    for (const auto& dir : Registry::search_path(common.plugin_dirs)) {
      searched += (searched.empty() ? "" : ", ") + dir.string();
    }
    std::cerr << "validate: no plugin found (searched: "
              << (searched.empty() ? "no directory" : searched) << ")\n";
    return 1;
  }

  validate::CheckOptions check_options;
  check_options.seed = options.seed;
  check_options.threads = options.threads > 0
                              ? options.threads
                              : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));

  std::vector<validate::ReportRow> rows;
  for (const std::string& name : names) {
    for (const auto& configuration : validate::loss_configurations(registry, name)) {
      if (!configuration.loss) {
        validate::CheckResult failed;
        failed.name = "create";
        failed.variant = configuration.label;
        failed.max_error = std::numeric_limits<double>::infinity();
        failed.detail = configuration.error;
        rows.push_back({name, failed});
        continue;
      }
      for (auto& result : validate::run_checks(*configuration.loss, check_options)) {
        rows.push_back({name, std::move(result)});
      }
    }
  }
  std::cout << "seed " << check_options.seed << ", N = " << check_options.threads << " threads\n\n";
  validate::print_report(std::cout, rows);
  const bool all_passed =
      std::all_of(rows.begin(), rows.end(), [](const auto& row) { return row.result.passed; });
  return all_passed ? 0 : 1;
}

}  // namespace rlloss::host
