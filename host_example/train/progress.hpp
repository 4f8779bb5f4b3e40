// Training progress on the terminal: a one-line bar redrawn in place on a TTY, plain log lines
// every `log_interval` steps (and the last) otherwise.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "step_metrics.hpp"

namespace rlloss::train {

class Progress {
 public:
  // `label` prefixes every line (e.g. the loss_mode); `out` is usually stderr.
  Progress(std::string label, int64_t total_steps, int64_t log_interval, std::FILE* out);
  ~Progress();
  void update(int64_t step, const StepMetrics& metrics);

 private:
  std::string label_;
  int64_t total_steps_;
  int64_t log_interval_;
  std::FILE* out_;
  bool tty_;
  bool drew_bar_ = false;
};

// The bar's text for a step (no carriage return), e.g.
// "sapo [#####.....] 60/120 reward 0.713 kl 0.0021 3.4 step/s".
std::string progress_line(const std::string& label, int64_t step, int64_t total_steps,
                          const StepMetrics& metrics, bool with_bar);

}  // namespace rlloss::train
