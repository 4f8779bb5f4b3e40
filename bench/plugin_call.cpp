#include "plugin_call.hpp"

#include <rlloss/compute_call.hpp>
#include <rlloss/torch_loss.hpp>
#include <utility>

namespace rlloss::bench {

PluginCall::PluginCall(std::shared_ptr<Loss> loss, const Batch& batch, int num_threads)
    : loss_(std::move(loss)),
      log_prob_(batch.log_prob),
      old_log_prob_(batch.old_log_prob),
      advantages_(batch.advantages),
      mask_(batch.mask),
      grad_(torch::empty_like(batch.log_prob)),
      loss_value_(torch::zeros({1}, torch::kFloat32)),
      metrics_(torch::zeros({static_cast<int64_t>(loss_->metric_names().size())}, torch::kFloat64)),
      log_prob_view_(dlpack_view(log_prob_)),
      old_log_prob_view_(dlpack_view(old_log_prob_)),
      advantages_view_(dlpack_view(advantages_)),
      mask_view_(dlpack_view(mask_)),
      grad_view_(dlpack_view(grad_)),
      loss_view_(dlpack_view(loss_value_)),
      metrics_view_(dlpack_view(metrics_)) {
  ComputeTensors tensors;
  tensors.log_prob = &log_prob_view_;
  tensors.old_log_prob = &old_log_prob_view_;
  tensors.advantages = &advantages_view_;
  tensors.response_mask = &mask_view_;
  tensors.loss = &loss_view_;
  tensors.grad_log_prob = &grad_view_;
  tensors.metrics = &metrics_view_;
  call_ = make_compute_call(tensors, LossNormalisers{}, num_threads);
}

}  // namespace rlloss::bench
