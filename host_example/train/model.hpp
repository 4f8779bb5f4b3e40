// The policy: a small GRU language model over the task's tokens.
#pragma once

#include <torch/torch.h>

#include <utility>

#include "train_config.hpp"

namespace rlloss::train {

class PolicyModelImpl : public torch::nn::Module {
 public:
  explicit PolicyModelImpl(const ModelSpec& spec);

  // Teacher-forced logits: tokens [B, T] -> [B, T, vocab].
  torch::Tensor forward(const torch::Tensor& tokens);

  // One step from `state` (undefined for the first call): tokens [B, T] -> logits of the last
  // position [B, vocab] and the new state.
  std::pair<torch::Tensor, torch::Tensor> step(const torch::Tensor& tokens,
                                               const torch::Tensor& state);

 private:
  torch::nn::Embedding embed_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(PolicyModel);

// The log-probabilities of response tokens under `model`, with grad when grad mode is on.
// prompts [B, P] (left-padded), responses [B, R] -> [B, R].
torch::Tensor response_log_probs(PolicyModel& model, const torch::Tensor& prompts,
                                 const torch::Tensor& responses, double temperature);

int64_t parameter_count(const torch::nn::Module& module);

}  // namespace rlloss::train
