#include "plugin_call.hpp"

#include <stdexcept>
#include <utility>

namespace rlloss::bench {
namespace {

DLDataType dl_dtype_of(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat32: return {kDLFloat, 32, 1};
    case torch::kFloat64: return {kDLFloat, 64, 1};
    case torch::kBool: return {6 /* kDLBool in DLPack >= 0.8 */, 8, 1};
    case torch::kUInt8: return {kDLUInt, 8, 1};
    default: throw std::invalid_argument("bench: unsupported dtype");
  }
}

}  // namespace

BorrowedTensor::BorrowedTensor(const torch::Tensor& t) {
  if (!t.device().is_cpu() || t.dim() < 1 || t.dim() > 2) {
    throw std::invalid_argument("bench: expected a 1-d or 2-d CPU tensor");
  }
  for (int64_t d = 0; d < t.dim(); ++d) {
    shape_[d] = t.size(d);
    strides_[d] = t.stride(d);
  }
  tensor_.data = t.data_ptr();
  tensor_.device = {kDLCPU, 0};
  tensor_.ndim = static_cast<int32_t>(t.dim());
  tensor_.dtype = dl_dtype_of(t);
  tensor_.shape = shape_;
  tensor_.strides = strides_;
  tensor_.byte_offset = 0;
}

PluginCall::PluginCall(std::shared_ptr<Loss> loss, const Batch& batch, int num_threads)
    : loss_(std::move(loss)),
      grad_(torch::empty_like(batch.log_prob)),
      loss_value_(torch::zeros({1}, torch::kFloat32)),
      metrics_(torch::zeros({static_cast<int64_t>(loss_->metric_names().size())}, torch::kFloat64)),
      log_prob_(batch.log_prob),
      old_log_prob_(batch.old_log_prob),
      advantages_(batch.advantages),
      mask_(batch.mask),
      grad_view_(grad_),
      loss_view_(loss_value_),
      metrics_view_(metrics_) {
  call_.struct_size = sizeof(rlloss_compute_call);
  call_.log_prob = log_prob_.get();
  call_.old_log_prob = old_log_prob_.get();
  call_.advantages = advantages_.get();
  call_.response_mask = mask_.get();
  call_.rollout_is_weights = nullptr;
  call_.global_token_count = -1;
  call_.global_seq_count = -1;
  call_.dp_size = 1;
  call_.num_threads = num_threads;
  call_.stream = nullptr;
  call_.loss = loss_view_.get();
  call_.grad_log_prob = grad_view_.get();
  call_.metrics = metrics_view_.get();
}

}  // namespace rlloss::bench
