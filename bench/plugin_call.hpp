// One compute call of a loss plugin over a Batch, set up once so the timed loop only calls it.
#pragma once

#include <rlloss/plugin_api.h>
#include <torch/torch.h>

#include <memory>
#include <rlloss/registry.hpp>

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
  torch::Tensor log_prob_, old_log_prob_, advantages_, mask_;  // kept alive for the views
  torch::Tensor grad_, loss_value_, metrics_;
  // DLTensors of the tensors above (the binding's dlpack_view: one dtype map on the host side).
  DLTensor log_prob_view_, old_log_prob_view_, advantages_view_, mask_view_;
  DLTensor grad_view_, loss_view_, metrics_view_;
  rlloss_compute_call call_{};
};

}  // namespace rlloss::bench
