// GRPO's outcome advantages: each response's reward normalised within its prompt's group.
#pragma once

#include <torch/torch.h>

namespace rlloss::train {

// rewards [num_prompts * n] (groups of n in a row) -> (r - group mean) / (group std + eps), with
// the unbiased std as verl's GRPO; a group of one gets mean 0 and std 1.
torch::Tensor group_normalised_advantages(const torch::Tensor& rewards, int64_t n,
                                          double eps = 1e-6);

}  // namespace rlloss::train
