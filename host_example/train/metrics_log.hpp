// Writes one JSON object per step, one per line (JSON Lines), flushed after each step.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "step_metrics.hpp"

namespace rlloss::train {

class MetricsLog {
 public:
  // Opens `path`, truncated to its first `keep_bytes` bytes (0 for a new run; a resumed run keeps
  // the lines up to its checkpoint). `with_timing`: false leaves out the timing/* keys, whose
  // values differ from run to run. Throws std::runtime_error when the file cannot be opened or
  // is shorter than keep_bytes.
  MetricsLog(const std::filesystem::path& path, int64_t keep_bytes, bool with_timing);
  // Throws std::runtime_error when the line cannot be written (a full disk, a size limit).
  void write(const StepMetrics& metrics);
  // The file's length after the last line written.
  int64_t bytes() const { return bytes_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  int64_t bytes_;
  bool with_timing_;
};

// {"name":value,...}; integers without a fraction, non-finite values as null. Names starting with
// `skip_prefix` (when not empty) are left out.
std::string to_json_line(const StepMetrics& metrics, const std::string& skip_prefix = "");

}  // namespace rlloss::train
