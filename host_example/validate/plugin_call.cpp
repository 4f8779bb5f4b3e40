#include "plugin_call.hpp"

namespace rlloss::validate {
namespace {

DLTensor matrix(void* data, int64_t* shape, DLDataType dtype) {
  DLTensor t{};
  t.data = data;
  t.device = {kDLCPU, 0};
  t.ndim = 2;
  t.dtype = dtype;
  t.shape = shape;
  t.strides = nullptr;  // compact row-major
  t.byte_offset = 0;
  return t;
}

}  // namespace

PluginOutput run_plugin(const Loss& loss, const Batch& batch, const DpSettings& dp,
                        int num_threads) {
  const DLDataType f64{kDLFloat, 64, 1};
  const DLDataType u8{kDLUInt, 8, 1};
  // The plugin only reads the inputs; DLTensor::data is non-const by DLPack's definition.
  auto in = [](const std::vector<double>& v) { return const_cast<double*>(v.data()); };

  PluginOutput out;
  out.grad.assign(static_cast<size_t>(batch.size()), 0.0);
  out.metrics.assign(loss.metric_names().size(), 0.0);

  int64_t shape[2] = {batch.rows, batch.cols};
  DLTensor log_prob = matrix(in(batch.log_prob), shape, f64);
  DLTensor old_log_prob = matrix(in(batch.old_log_prob), shape, f64);
  DLTensor advantages = matrix(in(batch.advantages), shape, f64);
  DLTensor mask = matrix(const_cast<uint8_t*>(batch.mask.data()), shape, u8);
  DLTensor is_weights = matrix(in(batch.is_weights), shape, f64);
  DLTensor grad = matrix(out.grad.data(), shape, f64);

  int64_t metric_shape[1] = {static_cast<int64_t>(out.metrics.size())};
  DLTensor metrics{};
  metrics.data = out.metrics.data();
  metrics.device = {kDLCPU, 0};
  metrics.ndim = 1;
  metrics.dtype = f64;
  metrics.shape = metric_shape;
  DLTensor loss_tensor{};
  loss_tensor.data = &out.loss;
  loss_tensor.device = {kDLCPU, 0};
  loss_tensor.ndim = 0;
  loss_tensor.dtype = f64;

  rlloss_compute_call call{};
  call.struct_size = sizeof(rlloss_compute_call);
  call.log_prob = &log_prob;
  call.old_log_prob = &old_log_prob;
  call.advantages = &advantages;
  call.response_mask = &mask;
  call.rollout_is_weights = batch.has_is_weights() ? &is_weights : nullptr;
  call.global_token_count = dp.global_token_count;
  call.global_seq_count = dp.global_seq_count;
  call.dp_size = dp.dp_size;
  call.num_threads = num_threads;
  call.stream = nullptr;
  call.loss = &loss_tensor;
  call.grad_log_prob = &grad;
  call.metrics = out.metrics.empty() ? nullptr : &metrics;
  loss.compute(call);
  return out;
}

}  // namespace rlloss::validate
