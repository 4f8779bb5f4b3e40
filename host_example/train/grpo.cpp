#include "grpo.hpp"

namespace rlloss::train {

torch::Tensor group_normalised_advantages(const torch::Tensor& rewards, int64_t n, double eps) {
  const torch::Tensor groups = rewards.reshape({-1, n});
  if (n == 1) return (groups / (1.0 + eps)).reshape(rewards.sizes());
  const torch::Tensor mean = groups.mean(1, true);
  const torch::Tensor std = groups.std(1, /*unbiased=*/true, /*keepdim=*/true);
  return ((groups - mean) / (std + eps)).reshape(rewards.sizes());
}

}  // namespace rlloss::train
