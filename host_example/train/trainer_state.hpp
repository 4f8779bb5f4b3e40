// Everything a training run carries from one step to the next: what a checkpoint holds.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <random>
#include <vector>

#include "model.hpp"
#include "step_metrics.hpp"
#include "train_config.hpp"

namespace rlloss::train {

struct TrainerState {
  // The state before step 1: the model initialised from config.seed, a fresh AdamW, the prompt
  // generator seeded with config.seed.
  explicit TrainerState(const TrainConfig& config);

  PolicyModel model;
  torch::optim::AdamW optimizer;
  std::mt19937_64 prompt_rng;
  int64_t steps_done = 0;
  std::vector<StepMetrics> history;  // one per step done, identical on every rank
  // Wall and CPU time the run had taken when this process took it up (at its last checkpoint).
  double elapsed_s = 0;
  double cpu_s = 0;
};

}  // namespace rlloss::train
