#include "progress.hpp"

#include <unistd.h>

#include <utility>

namespace rlloss::train {

std::string progress_line(const std::string& label, int64_t step, int64_t total_steps,
                          const StepMetrics& metrics, bool with_bar) {
  constexpr int64_t kWidth = 24;
  std::string bar;
  if (with_bar) {
    const int64_t filled = total_steps > 0 ? step * kWidth / total_steps : kWidth;
    bar = " [" + std::string(static_cast<size_t>(filled), '#') +
          std::string(static_cast<size_t>(kWidth - filled), '.') + "]";
  }
  const double step_time = metrics.get("timing/step_s", 0.0);
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer),
                "%s%s step %lld/%lld reward %.3f exact %.2f kl %.5f len %.2f %.2f step/s",
                label.c_str(), bar.c_str(), static_cast<long long>(step),
                static_cast<long long>(total_steps), metrics.get("reward/mean"),
                metrics.get("reward/exact_frac"), metrics.get("actor/kl_old_new"),
                metrics.get("response/length_mean"), step_time > 0 ? 1.0 / step_time : 0.0);
  return buffer;
}

Progress::Progress(std::string label, int64_t total_steps, int64_t log_interval, std::FILE* out)
    : label_(std::move(label)),
      total_steps_(total_steps),
      log_interval_(log_interval),
      out_(out),
      tty_(isatty(fileno(out)) != 0) {}

Progress::~Progress() {
  if (drew_bar_) std::fputc('\n', out_);
}

void Progress::update(int64_t step, const StepMetrics& metrics) {
  if (tty_) {
    std::fprintf(out_, "\r%s\033[K",
                 progress_line(label_, step, total_steps_, metrics, true).c_str());
    drew_bar_ = true;
  } else if (step % log_interval_ == 0 || step == total_steps_ || step == 1) {
    std::fprintf(out_, "%s\n", progress_line(label_, step, total_steps_, metrics, false).c_str());
  }
  std::fflush(out_);
}

}  // namespace rlloss::train
