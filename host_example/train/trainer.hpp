// GRPO training of the policy with any loss plugin, on one process or data-parallel.
//
// Each step: draw train_batch_size prompts, sample rollout.n responses each with the current
// policy, score them, normalise the rewards within each prompt's group, take old_log_prob from the
// sampling policy, then ppo_epochs passes over ppo_mini_batch_size-prompt mini-batches; every
// mini-batch after the first is off-policy, which is where the loss's clip or gate acts.
//
// Data parallel: every rank draws the same global prompts and uniforms; within each global
// mini-batch, rank r owns the r-th slice of prompts. Gradients are summed and divided by the
// world size (DDP's average) and the loss gets the all-reduced token and sequence counts and
// dp_size, so N processes take the same steps as one process on the same global batch.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <rlloss/registry.hpp>
#include <vector>

#include "distributed.hpp"
#include "step_metrics.hpp"
#include "train_config.hpp"

namespace rlloss::train {

struct TrainResult {
  std::vector<StepMetrics> history;  // one per step, identical on every rank
  torch::Tensor parameters;          // the final parameters, flattened into one float32 vector
  double wall_s = 0;
  double cpu_s = 0;  // this process's CPU time
};

using StepCallback = std::function<void(int64_t step, const StepMetrics& metrics)>;

TrainResult train_policy(const TrainConfig& config, const Loss& loss, Communicator& comm,
                         const StepCallback& on_step = {});

// The global prompt indices rank `rank` owns in a batch of `batch` prompts (see above).
std::vector<int64_t> local_prompt_indices(int64_t batch, int64_t mini_batch, int rank,
                                          int world_size);

}  // namespace rlloss::train
