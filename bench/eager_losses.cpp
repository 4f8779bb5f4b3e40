#include "eager_losses.hpp"

namespace rlloss::bench {
namespace {

torch::Tensor token_mean(const torch::Tensor& per_token, const torch::Tensor& mask) {
  return torch::where(mask, per_token, torch::zeros({}, per_token.options())).sum() / mask.sum();
}

torch::Tensor ratio_of(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob) {
  return torch::exp(torch::clamp(log_prob - old_log_prob, -20.0, 20.0));
}

}  // namespace

torch::Tensor sapo_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                              const torch::Tensor& advantages, const torch::Tensor& mask,
                              double tau_pos, double tau_neg) {
  const torch::Tensor ratio = ratio_of(log_prob, old_log_prob);
  const torch::Tensor positive = advantages > 0;
  const torch::Tensor tau = torch::where(positive, torch::full({}, tau_pos, ratio.options()),
                                         torch::full({}, tau_neg, ratio.options()));
  const torch::Tensor gate = torch::sigmoid(tau * (ratio - 1.0)) * (4.0 / tau);
  return token_mean(-gate * advantages, mask);
}

torch::Tensor ppo_clip_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                                  const torch::Tensor& advantages, const torch::Tensor& mask,
                                  double clip_ratio_low, double clip_ratio_high,
                                  double clip_ratio_c) {
  const torch::Tensor ratio = ratio_of(log_prob, old_log_prob);
  const torch::Tensor unclipped = -advantages * ratio;
  const torch::Tensor clipped =
      -advantages * torch::clamp(ratio, 1.0 - clip_ratio_low, 1.0 + clip_ratio_high);
  const torch::Tensor clip1 = torch::maximum(unclipped, clipped);
  const torch::Tensor clip2 = torch::minimum(-advantages * clip_ratio_c, clip1);
  return token_mean(torch::where(advantages < 0, clip2, clip1), mask);
}

}  // namespace rlloss::bench
