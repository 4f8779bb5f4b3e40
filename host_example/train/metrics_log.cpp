#include "metrics_log.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace rlloss::train {

namespace fs = std::filesystem;

std::string to_json_line(const StepMetrics& metrics, const std::string& skip_prefix) {
  std::string line = "{";
  bool first = true;
  for (const auto& [name, value] : metrics.entries()) {
    if (!skip_prefix.empty() && name.compare(0, skip_prefix.size(), skip_prefix) == 0) continue;
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

MetricsLog::MetricsLog(const fs::path& path, int64_t keep_bytes, bool with_timing)
    : path_(path), bytes_(keep_bytes), with_timing_(with_timing) {
  if (keep_bytes > 0) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec || static_cast<int64_t>(size) < keep_bytes) {
      throw std::runtime_error(
          "the metrics file " + path.string() + " is " +
          (ec ? "missing"
              : "shorter than the checkpoint's " + std::to_string(keep_bytes) + " bytes") +
          "; cannot continue it");
    }
    fs::resize_file(path, static_cast<uintmax_t>(keep_bytes), ec);
    if (ec) throw std::runtime_error("cannot truncate " + path.string() + ": " + ec.message());
    out_.open(path, std::ios::app);
  } else {
    out_.open(path, std::ios::trunc);
  }
  if (!out_) {
    throw std::runtime_error("cannot write the metrics file " + path.string() + ": " +
                             std::strerror(errno));
  }
}

void MetricsLog::write(const StepMetrics& metrics) {
  const std::string line = to_json_line(metrics, with_timing_ ? "" : "timing/") + "\n";
  errno = 0;
  out_ << line;
  out_.flush();
  if (!out_) {
    throw std::runtime_error("cannot write the metrics file " + path_.string() + ": " +
                             (errno != 0 ? std::strerror(errno) : "write failed"));
  }
  bytes_ += static_cast<int64_t>(line.size());
}

}  // namespace rlloss::train
