// An independent float64 reference of the shipped losses, written with LibTorch ops and autograd
// straight from the formulas in docs (DESIGN.md "The math"), sharing no code with the plugins.
#pragma once

#include <torch/torch.h>

#include <map>
#include <rlloss/loss_args.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>

namespace rlloss::reference {

struct ReferenceResult {
  torch::Tensor loss;        // 0-d float64
  torch::Tensor grad;        // [B, T] float64: d loss / d log_prob by autograd
  torch::Tensor token_loss;  // [B, T] float64: per-token loss times IS weights, 0 where masked
  std::map<std::string, double> metrics;
};

// True for the loss modes this reference knows (sapo, ppo_clip, gspo, cispo, gpg, dro, dppo_tv,
// dppo_kl).
bool has_reference(const std::string& loss_mode);

// Computes the loss of `loss_mode` with the resolved argument values `args` on `inputs`
// (converted to float64; masked positions are made finite before the math so NaN never leaks).
ReferenceResult reference_loss(const std::string& loss_mode, const LossArgs& args,
                               const LossInputs& inputs);

// verl's agg_loss over a [B, T] float64 loss matrix, with DESIGN.md's DP normalisers.
torch::Tensor aggregate(const torch::Tensor& loss_matrix, const torch::Tensor& mask,
                        const std::string& loss_agg_mode, const LossNormalisers& normalisers,
                        double loss_scale_factor);

}  // namespace rlloss::reference
