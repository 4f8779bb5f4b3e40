#include "compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace rlloss::train {

RunSummary summarise_run(const std::vector<StepMetrics>& history, double threshold, double wall_s,
                         size_t tail) {
  RunSummary s;
  s.wall_s = wall_s;
  if (history.empty()) return s;
  s.first_reward = history.front().get("reward/mean");
  const size_t n = std::min(tail, history.size());
  for (size_t i = history.size() - n; i < history.size(); ++i) {
    s.final_reward += history[i].get("reward/mean") / static_cast<double>(n);
    s.final_exact += history[i].get("reward/exact_frac") / static_cast<double>(n);
  }
  for (const auto& m : history) {
    s.mean_kl += m.get("actor/kl_old_new") / static_cast<double>(history.size());
    if (s.steps_to_threshold < 0 && m.get("reward/mean") >= threshold) {
      s.steps_to_threshold = static_cast<int64_t>(m.get("step"));
    }
  }
  return s;
}

std::string mean_and_spread(const std::vector<double>& values, int digits) {
  if (values.empty()) return "-";
  double mean = 0;
  for (double v : values) mean += v / static_cast<double>(values.size());
  char buffer[64];
  if (values.size() == 1) {
    std::snprintf(buffer, sizeof(buffer), "%.*f", digits, mean);
    return buffer;
  }
  double var = 0;
  for (double v : values) var += (v - mean) * (v - mean) / static_cast<double>(values.size() - 1);
  std::snprintf(buffer, sizeof(buffer), "%.*f ± %.*f", digits, mean, digits, std::sqrt(var));
  return buffer;
}

}  // namespace rlloss::train
