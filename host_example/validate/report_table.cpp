#include "report_table.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace rlloss::validate {
namespace {

std::string format_error(double value) {
  if (std::isinf(value)) return "inf";
  if (value == 0) return "0";
  return fmt::format("{:.2e}", value);
}

}  // namespace

void print_report(std::ostream& out, const std::vector<ReportRow>& rows) {
  size_t plugin_width = std::string("plugin").size();
  size_t variant_width = std::string("agg mode / variant").size();
  for (const auto& row : rows) {
    plugin_width = std::max(plugin_width, row.plugin.size());
    variant_width = std::max(variant_width, row.result.variant.size());
  }
  const auto line = [&](const std::string& plugin, const std::string& check,
                        const std::string& variant, const std::string& error,
                        const std::string& tolerance, const std::string& verdict,
                        const std::string& detail) {
    out << fmt::format("{:<{}}  {:<16}  {:<{}}  {:>9}  {:>9}  {:<6}  {}\n", plugin, plugin_width,
                       check, variant, variant_width, error, tolerance, verdict, detail);
  };
  line("plugin", "check", "agg mode / variant", "max error", "tolerance", "result", "detail");
  line(std::string(plugin_width, '-'), std::string(16, '-'), std::string(variant_width, '-'),
       std::string(9, '-'), std::string(9, '-'), std::string(6, '-'), std::string(6, '-'));
  size_t failed = 0;
  std::set<std::string> plugins, failed_plugins;
  for (const auto& row : rows) {
    const CheckResult& r = row.result;
    line(row.plugin, r.name, r.variant, format_error(r.max_error), format_error(r.tolerance),
         r.passed ? "PASS" : "FAIL", r.detail);
    plugins.insert(row.plugin);
    if (!r.passed) {
      ++failed;
      failed_plugins.insert(row.plugin);
    }
  }
  out << fmt::format("\n{} checks on {} plugin(s): {} passed, {} failed", rows.size(),
                     plugins.size(), rows.size() - failed, failed);
  if (!failed_plugins.empty()) {
    std::string names;
    for (const auto& name : failed_plugins) names += (names.empty() ? "" : ", ") + name;
    out << " (failing: " << names << ")";
  }
  out << "\n";
}

}  // namespace rlloss::validate
