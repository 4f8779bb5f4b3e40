#include "plugin_call.hpp"

#include <cstdint>
#include <cstring>
#include <string>

namespace rlloss::validate {
namespace {

// What every output holds before the call: a NaN with a payload no arithmetic produces. An output
// that still holds it afterwards was not written, though the plugin reported success.
constexpr uint64_t kSentinelBits = 0x7ff8dead5e7e1e57ULL;

double sentinel() {
  double value;
  std::memcpy(&value, &kSentinelBits, sizeof value);
  return value;
}

bool is_sentinel(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits == kSentinelBits;
}

void require_written(const PluginOutput& out, const Batch& batch) {
  const auto unwritten = [](const std::string& what) {
    throw RegistryError("the plugin reported success but left " + what +
                        " unwritten (it still holds the value the host put there)");
  };
  if (is_sentinel(out.loss)) unwritten("the loss");
  for (size_t i = 0; i < out.grad.size(); ++i) {
    if (is_sentinel(out.grad[i])) {
      unwritten("grad_log_prob[" + std::to_string(static_cast<int64_t>(i) / batch.cols) + ", " +
                std::to_string(static_cast<int64_t>(i) % batch.cols) + "]");
    }
  }
  for (size_t i = 0; i < out.metrics.size(); ++i) {
    if (is_sentinel(out.metrics[i])) unwritten("metric " + std::to_string(i));
  }
}

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
  out.loss = sentinel();
  out.grad.assign(static_cast<size_t>(batch.size()), sentinel());
  out.metrics.assign(loss.metric_names().size(), sentinel());

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
  require_written(out, batch);
  return out;
}

}  // namespace rlloss::validate
