// One compute call of a loss plugin over a Batch, set up once so the timed loop only calls it.
#pragma once

#include <rlloss/plugin_api.h>
#include <torch/torch.h>

#include <memory>
#include <rlloss/registry.hpp>
#include <rlloss/torch_loss.hpp>

#include "bench_batch.hpp"

namespace rlloss::bench {

class PluginCall {
 public:
  PluginCall(std::shared_ptr<Loss> loss, const Batch& batch, int num_threads);
  PluginCall(const PluginCall&) = delete;
  PluginCall& operator=(const PluginCall&) = delete;

  void run() const { loss_->compute(call_); }

  const torch::Tensor& loss() const { return loss_value_; }
  const torch::Tensor& grad() const { return grad_; }

 private:
  std::shared_ptr<Loss> loss_;
  torch::Tensor grad_, loss_value_;
  TorchCallViews views_;  // holds the call's tensors and their DLPack views
  rlloss_compute_call call_{};
};

}  // namespace rlloss::bench
