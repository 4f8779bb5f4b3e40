// The LibTorch binding: a plugin loss as a torch::autograd::Function.
//
// forward calls the plugin once (loss and d loss / d log_prob together) and saves the gradient;
// backward returns the saved gradient times the incoming one. Only log_prob gets a gradient.
#pragma once

#include <torch/torch.h>

#include <map>
#include <optional>
#include <rlloss/compute_call.hpp>
#include <rlloss/registry.hpp>
#include <string>

namespace rlloss {

struct LossInputs {
  torch::Tensor log_prob;       // [B, T], float32 or float64 (requires_grad for training)
  torch::Tensor old_log_prob;   // [B, T], same dtype
  torch::Tensor advantages;     // [B, T], same dtype
  torch::Tensor response_mask;  // [B, T], bool, uint8 or floating 0/1
  std::optional<torch::Tensor> rollout_is_weights;
  LossNormalisers normalisers;
  int num_threads = 0;  // 0: the plugin's default
};

struct LossOutput {
  torch::Tensor loss;  // 0-d, differentiable w.r.t. inputs.log_prob, dtype of log_prob
  std::map<std::string, torch::Tensor> metrics;  // 0-d float64 tensors
};

LossOutput compute_loss(const Loss& loss, const LossInputs& inputs);

// The one torch-to-DLPack dtype map of the C++ host side (Python's _tensors.py mirrors it): a
// torch bool crosses as RLLOSS_DL_BOOL. Throws RegistryError for a dtype DLPack cannot describe.
DLDataType dlpack_dtype(c10::ScalarType type);

// A DLTensor describing `t` (no copy); valid while `t` is alive and unchanged.
DLTensor dlpack_view(const torch::Tensor& t);

// The tensors of one compute call. rollout_is_weights and metrics may be undefined (none).
struct TorchCallTensors {
  torch::Tensor log_prob, old_log_prob, advantages, response_mask, rollout_is_weights;
  torch::Tensor loss, grad_log_prob, metrics;
};

// DLPack views of one call's tensors and the ComputeTensors that point at them, for
// make_compute_call. It holds the tensors, so the views stay valid while it lives; not copyable,
// since the ComputeTensors point into it. Throws RegistryError for an undefined required tensor.
class TorchCallViews {
 public:
  explicit TorchCallViews(TorchCallTensors tensors);
  TorchCallViews(const TorchCallViews&) = delete;
  TorchCallViews& operator=(const TorchCallViews&) = delete;

  const ComputeTensors& tensors() const { return pointers_; }

 private:
  TorchCallTensors tensors_;
  DLTensor log_prob_{}, old_log_prob_{}, advantages_{}, response_mask_{}, rollout_is_weights_{};
  DLTensor loss_{}, grad_log_prob_{}, metrics_{};
  ComputeTensors pointers_;
};

}  // namespace rlloss
