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

}  // namespace rlloss::bench
