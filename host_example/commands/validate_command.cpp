// `host_example validate`: runs the generic checks (and the reference check where one exists) on
// every plugin file found, one library, or one loss_mode, and prints a table. Each file is loaded
// and checked in a child process with a time and a memory limit: a plugin that crashes, exits,
// hangs or allocates without bound gets a FAIL row naming its file, and the others are still
// checked.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>
#include <rlloss/registry.hpp>
#include <thread>

#include "commands.hpp"
#include "validate/checks.hpp"
#include "validate/isolation.hpp"
#include "validate/loss_configurations.hpp"
#include "validate/report_table.hpp"
#include "validate/report_text.hpp"

namespace rlloss::host {
namespace {

namespace fs = std::filesystem;

// What a child sends back: the plugin's name, then its rows ("name\t...", "row\t..." lines).
std::string check_one_file(const fs::path& file, const std::string& loss_mode,
                           const validate::CheckOptions& check_options) {
  Registry registry;
  const std::string name = registry.load_file(file)->name();
  std::string output = "name\t" + validate::escape_field(name) + "\n";
  if (!loss_mode.empty() && loss_mode != name) return output;
  std::vector<validate::ReportRow> rows;
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
  return output + validate::rows_to_text(rows);
}

// The row of a file whose child did not finish, or could not load it.
validate::ReportRow failed_file(const fs::path& file, const std::string& what) {
  validate::CheckResult failed;
  failed.name = "isolated-run";
  failed.variant = "-";
  failed.max_error = std::numeric_limits<double>::infinity();
  failed.detail = file.string() + ": " + what;
  return {file.filename().string(), failed};
}

std::string first_field(const std::string& output, const std::string& tag) {
  const std::string prefix = tag + "\t";
  const size_t start = output.rfind(prefix, 0) == 0 ? 0 : output.find("\n" + prefix);
  if (start == std::string::npos) return "";
  const size_t begin = start + (start == 0 ? 0 : 1) + prefix.size();
  return validate::unescape_field(output.substr(begin, output.find('\n', begin) - begin));
}

}  // namespace

int run_validate(const CommonOptions& common, const ValidateOptions& options) {
  std::vector<fs::path> files;
  if (options.library) {
    if (!fs::exists(*options.library)) {
      throw RegistryError("plugin file " + options.library->string() + " does not exist");
    }
    files.push_back(*options.library);
  } else {
    files = Registry::plugin_files(common.plugin_dirs);
  }
  if (files.empty()) {
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
  std::vector<std::string> names;
  for (const fs::path& file : files) {
    const validate::IsolatedResult run = validate::run_isolated(
        [&] { return check_one_file(file, options.loss_mode, check_options); }, options.limits);
    if (!run.finished) {
      rows.push_back(failed_file(file, run.failure));
      continue;
    }
    const std::string error = first_field(run.output, "error");
    if (!error.empty()) {
      if (options.library) throw RegistryError(error);  // the one file asked for is refused
      rows.push_back(failed_file(file, "refused: " + error));
      continue;
    }
    const std::string name = first_field(run.output, "name");
    names.push_back(name);
    if (!options.loss_mode.empty() && options.loss_mode != name) {
      if (options.library) {
        throw RegistryError("--loss-mode " + options.loss_mode + " does not match the plugin '" +
                            name + "' in " + file.string());
      }
      continue;
    }
    for (auto& row : validate::rows_from_text(run.output)) rows.push_back(std::move(row));
  }
  if (!options.loss_mode.empty() &&
      std::find(names.begin(), names.end(), options.loss_mode) == names.end()) {
    std::sort(names.begin(), names.end());
    std::string loaded;
    for (const auto& name : names) loaded += (loaded.empty() ? "" : ", ") + name;
    throw RegistryError("unknown loss_mode '" + options.loss_mode +
                        "'; loaded plugins: " + (loaded.empty() ? std::string("none") : loaded));
  }
  std::cout << "seed " << check_options.seed << ", N = " << check_options.threads
            << " threads; each plugin file in its own process (limits: "
            << options.limits.time_limit_s << " s, "
            << (options.limits.memory_limit_mb > 0
                    ? std::to_string(options.limits.memory_limit_mb) + " MB"
                    : std::string("no memory limit"))
            << ")\n\n";
  validate::print_report(std::cout, rows);
  const bool all_passed =
      std::all_of(rows.begin(), rows.end(), [](const auto& row) { return row.result.passed; });
  return all_passed ? 0 : 1;
}

}  // namespace rlloss::host
