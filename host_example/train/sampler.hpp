// Sampling responses from the policy, reproducibly whatever the batch is split into.
//
// Each sequence draws its tokens by inverse CDF from its own row of uniforms, so a sequence's
// sample depends only on the step's uniforms and its global index, not on which process or
// batch it was sampled in.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "model.hpp"
#include "task.hpp"

namespace rlloss::train {

struct Rollout {
  torch::Tensor prompts;        // [B, P] int64, left-padded with PAD, ending with SEP
  torch::Tensor responses;      // [B, R] int64, PAD after EOS
  torch::Tensor response_mask;  // [B, R] float32, 1 up to and including EOS
};

// Prompts as model input: PAD..., digits, SEP; every prompt repeated `n` times in a row.
torch::Tensor encode_prompts(const std::vector<Digits>& prompts, int64_t n, int64_t max_digits);

// Samples a response per row of `prompts`; uniforms [B, R] in [0, 1).
Rollout sample_responses(PolicyModel& model, const torch::Tensor& prompts,
                         const torch::Tensor& uniforms, double temperature);

}  // namespace rlloss::train
