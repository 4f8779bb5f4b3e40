// Summaries of training runs for `host_example compare`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "step_metrics.hpp"

namespace rlloss::train {

struct RunSummary {
  double first_reward = 0;          // reward at step 1 (the initial policy)
  double final_reward = 0;          // mean reward over the last `tail` steps
  double final_exact = 0;           // mean exact-answer fraction over the last `tail` steps
  int64_t steps_to_threshold = -1;  // first step whose reward reaches the threshold; -1: never
  double mean_kl = 0;               // mean over steps of actor/kl_old_new
  double wall_s = 0;
};

RunSummary summarise_run(const std::vector<StepMetrics>& history, double threshold, double wall_s,
                         size_t tail = 10);

// "mean ± std" of `values` with `digits` decimals ("-" for an empty list).
std::string mean_and_spread(const std::vector<double>& values, int digits);

}  // namespace rlloss::train
