// SAPO and PPO-clip written as plain LibTorch eager ops, token-mean, float32: what a trainer
// without the plugin runs. Only the loss (no metrics), so the comparison favours eager.
#pragma once

#include <torch/torch.h>

namespace rlloss::bench {

// Masked positions go through torch::where (a select, as the plugin), not a multiply by the mask.
torch::Tensor sapo_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                              const torch::Tensor& advantages, const torch::Tensor& mask,
                              double tau_pos, double tau_neg);

torch::Tensor ppo_clip_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                                  const torch::Tensor& advantages, const torch::Tensor& mask,
                                  double clip_ratio_low, double clip_ratio_high,
                                  double clip_ratio_c);

// GSPO (verl's gspo, token-mean here): the sequence ratio with the stop-gradient form.
torch::Tensor gspo_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                              const torch::Tensor& advantages, const torch::Tensor& mask,
                              double clip_ratio_low, double clip_ratio_high);

// CISPO (verl's cispo): the clipped ratio, detached, weights -A * log_prob.
torch::Tensor cispo_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                               const torch::Tensor& advantages, const torch::Tensor& mask,
                               double clip_ratio_low, double clip_ratio_high);

// SAPO with importance_sampling_level sequence: the gate on the sequence ratio.
torch::Tensor sapo_sequence_eager_loss(const torch::Tensor& log_prob,
                                       const torch::Tensor& old_log_prob,
                                       const torch::Tensor& advantages, const torch::Tensor& mask,
                                       double tau_pos, double tau_neg);

}  // namespace rlloss::bench
