#include "plugin_call.hpp"

#include <rlloss/compute_call.hpp>
#include <utility>

namespace rlloss::bench {

namespace {

TorchCallTensors call_tensors(const Batch& batch, const torch::Tensor& grad,
                              const torch::Tensor& loss_value, int64_t num_metrics) {
  TorchCallTensors call;
  call.log_prob = batch.log_prob;
  call.old_log_prob = batch.old_log_prob;
  call.advantages = batch.advantages;
  call.response_mask = batch.mask;
  call.loss = loss_value;
  call.grad_log_prob = grad;
  call.metrics = torch::zeros({num_metrics}, torch::kFloat64);
  return call;
}

}  // namespace

PluginCall::PluginCall(std::shared_ptr<Loss> loss, const Batch& batch, int num_threads)
    : loss_(std::move(loss)),
      grad_(torch::empty_like(batch.log_prob)),
      loss_value_(torch::zeros({1}, torch::kFloat32)),
      views_(call_tensors(batch, grad_, loss_value_,
                          static_cast<int64_t>(loss_->metric_names().size()))),
      call_(make_compute_call(views_.tensors(), LossNormalisers{}, num_threads)) {}

}  // namespace rlloss::bench
