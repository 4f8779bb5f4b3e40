// The table `host_example validate` prints: one row per plugin, configuration and check.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "checks.hpp"

namespace rlloss::validate {

struct ReportRow {
  std::string plugin;
  CheckResult result;
};

void print_report(std::ostream& out, const std::vector<ReportRow>& rows);

}  // namespace rlloss::validate
