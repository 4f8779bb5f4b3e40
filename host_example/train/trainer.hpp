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
// dp_size, so N processes take the same steps as one process on the same global batch. Rank 0's
// parameters are broadcast before the first step.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <rlloss/registry.hpp>
#include <vector>

#include "distributed.hpp"
#include "step_metrics.hpp"
#include "train_config.hpp"
#include "trainer_state.hpp"

namespace rlloss::train {

struct TrainResult {
  std::vector<StepMetrics> history;  // one per step, identical on every rank
  torch::Tensor parameters;          // the final parameters, flattened into one float32 vector
  double wall_s = 0;                 // of the whole run, resumed parts included
  double cpu_s = 0;                  // rank 0's CPU time, resumed parts included
  int stop_signal = 0;  // the signal that stopped the run early; 0 when it ran every step
};

using StepCallback = std::function<void(int64_t step, const StepMetrics& metrics)>;

struct RunControl {
  StepCallback on_step;  // every rank, after each step
  // Rank 0 only: after each step that is a multiple of config.checkpoint_interval, after the last
  // step when checkpoint_interval > 0, and after the step at which the run stops on a signal.
  std::function<void(const TrainerState&)> save_checkpoint;
  // Polled after each step: a signal number when this process was asked to stop, else 0. When
  // any rank asks, every rank stops after the same step.
  std::function<int()> stop_requested;
};

// Runs the steps after state.steps_done up to config.total_training_steps.
TrainResult train_policy(const TrainConfig& config, const Loss& loss, Communicator& comm,
                         TrainerState& state, const RunControl& control);

// A whole run from a fresh state.
TrainResult train_policy(const TrainConfig& config, const Loss& loss, Communicator& comm,
                         const StepCallback& on_step = {});

// The global prompt indices rank `rank` owns in a batch of `batch` prompts (see above).
std::vector<int64_t> local_prompt_indices(int64_t batch, int64_t mini_batch, int rank,
                                          int world_size);

}  // namespace rlloss::train
