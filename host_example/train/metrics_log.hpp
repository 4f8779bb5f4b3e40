// Writes one JSON object per step, one per line (JSON Lines), flushed after each step.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "step_metrics.hpp"

namespace rlloss::train {

class MetricsLog {
 public:
  // Truncates `path`; throws std::runtime_error when it cannot be opened.
  explicit MetricsLog(const std::filesystem::path& path);
  void write(const StepMetrics& metrics);

 private:
  std::ofstream out_;
};

// {"name":value,...}; integers without a fraction, non-finite values as null.
std::string to_json_line(const StepMetrics& metrics);

}  // namespace rlloss::train
