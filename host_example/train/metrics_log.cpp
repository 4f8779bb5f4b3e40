#include "metrics_log.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace rlloss::train {

std::string to_json_line(const StepMetrics& metrics) {
  std::string line = "{";
  bool first = true;
  for (const auto& [name, value] : metrics.entries()) {
    if (!first) line += ",";
    first = false;
    line += "\"" + name + "\":";
    if (!std::isfinite(value)) {
      line += "null";
      continue;
    }
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.9g", value);
    line += buffer;
  }
  return line + "}";
}

MetricsLog::MetricsLog(const std::filesystem::path& path) : out_(path) {
  if (!out_) throw std::runtime_error("cannot write the metrics file " + path.string());
}

void MetricsLog::write(const StepMetrics& metrics) {
  out_ << to_json_line(metrics) << "\n";
  out_.flush();
}

}  // namespace rlloss::train
