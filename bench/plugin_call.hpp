// One compute call of a loss plugin over a Batch, set up once so the timed loop only calls it.
#pragma once

#include <rlloss/plugin_api.h>
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <rlloss/registry.hpp>

#include "bench_batch.hpp"

namespace rlloss::bench {

// A DLTensor borrowing a contiguous-or-strided 2-d or 1-d CPU tensor, with its own shape and
// stride arrays (so it must not move: the DLTensor points into it).
class BorrowedTensor {
 public:
  explicit BorrowedTensor(const torch::Tensor& t);
  BorrowedTensor(const BorrowedTensor&) = delete;
  BorrowedTensor& operator=(const BorrowedTensor&) = delete;

  DLTensor* get() { return &tensor_; }

 private:
  int64_t shape_[2] = {};
  int64_t strides_[2] = {};
  DLTensor tensor_{};
};

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
  torch::Tensor grad_, loss_value_, metrics_;
  BorrowedTensor log_prob_, old_log_prob_, advantages_, mask_;
  BorrowedTensor grad_view_, loss_view_, metrics_view_;
  rlloss_compute_call call_{};
};

}  // namespace rlloss::bench
