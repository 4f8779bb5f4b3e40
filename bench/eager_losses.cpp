#include "eager_losses.hpp"

namespace rlloss::bench {
namespace {

torch::Tensor token_mean(const torch::Tensor& per_token, const torch::Tensor& mask) {
  return torch::where(mask, per_token, torch::zeros({}, per_token.options())).sum() / mask.sum();
}

torch::Tensor ratio_of(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob) {
  return torch::exp(torch::clamp(log_prob - old_log_prob, -20.0, 20.0));
}

// log s_bt: each row's masked mean log-ratio in value, log_prob's gradient.
torch::Tensor sequence_log_ratio(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                                 const torch::Tensor& mask) {
  const torch::Tensor masked =
      torch::where(mask, log_prob - old_log_prob, torch::zeros({}, log_prob.options()));
  const torch::Tensor mean =
      masked.sum(-1, true) / mask.sum(-1, true).clamp_min(1).to(log_prob.scalar_type());
  return log_prob - log_prob.detach() + mean.detach();
}

torch::Tensor sapo_gate_loss(const torch::Tensor& ratio, const torch::Tensor& advantages,
                             const torch::Tensor& mask, double tau_pos, double tau_neg) {
  const torch::Tensor tau = torch::where(advantages > 0, torch::full({}, tau_pos, ratio.options()),
                                         torch::full({}, tau_neg, ratio.options()));
  const torch::Tensor gate = torch::sigmoid(tau * (ratio - 1.0)) * (4.0 / tau);
  return token_mean(-gate * advantages, mask);
}

}  // namespace

torch::Tensor gspo_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                              const torch::Tensor& advantages, const torch::Tensor& mask,
                              double clip_ratio_low, double clip_ratio_high) {
  const torch::Tensor s =
      torch::exp(torch::clamp_max(sequence_log_ratio(log_prob, old_log_prob, mask), 10.0));
  const torch::Tensor unclipped = -advantages * s;
  const torch::Tensor clipped =
      -advantages * torch::clamp(s, 1.0 - clip_ratio_low, 1.0 + clip_ratio_high);
  return token_mean(torch::maximum(unclipped, clipped), mask);
}

torch::Tensor cispo_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                               const torch::Tensor& advantages, const torch::Tensor& mask,
                               double clip_ratio_low, double clip_ratio_high) {
  const torch::Tensor weight =
      torch::clamp(ratio_of(log_prob, old_log_prob), 1.0 - clip_ratio_low, 1.0 + clip_ratio_high)
          .detach();
  return token_mean(-weight * advantages * log_prob, mask);
}

torch::Tensor sapo_sequence_eager_loss(const torch::Tensor& log_prob,
                                       const torch::Tensor& old_log_prob,
                                       const torch::Tensor& advantages, const torch::Tensor& mask,
                                       double tau_pos, double tau_neg) {
  const torch::Tensor ratio =
      torch::exp(torch::clamp(sequence_log_ratio(log_prob, old_log_prob, mask), -20.0, 20.0));
  return sapo_gate_loss(ratio, advantages, mask, tau_pos, tau_neg);
}

torch::Tensor sapo_eager_loss(const torch::Tensor& log_prob, const torch::Tensor& old_log_prob,
                              const torch::Tensor& advantages, const torch::Tensor& mask,
                              double tau_pos, double tau_neg) {
  return sapo_gate_loss(ratio_of(log_prob, old_log_prob), advantages, mask, tau_pos, tau_neg);
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
