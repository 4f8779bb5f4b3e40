// A compute call checked against the ABI's rules (tensors, shapes, dtypes, devices, outputs,
// the aggregation request) and turned into the DeviceCall every backend receives.
#pragma once

#include <rlloss/plugin_api.h>

#include <cstdint>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/error.hpp>
#include <rlloss/kit/tensors.hpp>
#include <string>

namespace rlloss::kit {

inline void require_input_dtype(const MatrixView& v, const char* name, Dtype expected) {
  if (v.dtype != expected) {
    fail(std::string(name) + " has dtype " + dtype_name(v.dtype) + " but log_prob has " +
         dtype_name(expected) +
         "; log_prob, old_log_prob, advantages and rollout_is_weights must share one dtype");
  }
}

inline OutputView output_view(const DLTensor& t) {
  return {tensor_data(t), dtype_of(t.dtype),
          t.ndim == 1 && t.strides != nullptr ? t.strides[0] : 1};
}

// The compute call checked and turned into a DeviceCall. `served` says which devices the plugin
// serves, for messages; `mode` and `loss_scale_factor` are the instance's aggregation arguments.
inline DeviceCall validated_call(const rlloss_compute_call& call, const char* loss_name,
                                 int64_t num_metrics, const char* served, AggMode mode,
                                 double loss_scale_factor) {
  const DLTensor* log_prob = call.log_prob;
  if (log_prob == nullptr) fail("log_prob is NULL");
  if (log_prob->ndim != 2) {
    fail("log_prob must have rank 2 [B, T], got rank " + std::to_string(log_prob->ndim));
  }
  if (log_prob->shape == nullptr) fail("log_prob has rank 2 but a NULL shape");
  const int64_t rows = log_prob->shape[0];
  const int64_t cols = log_prob->shape[1];
  if (rows < 0 || cols < 0) {
    fail("log_prob has shape [" + std::to_string(rows) + ", " + std::to_string(cols) +
         "]; a dimension cannot be negative");
  }
  if (cols > 0 && rows > INT64_MAX / cols) {
    fail("log_prob has shape [" + std::to_string(rows) + ", " + std::to_string(cols) +
         "]: more than 2^63 elements");
  }
  const DLDevice device = log_prob->device;

  DeviceCall c;
  c.rows = rows;
  c.cols = cols;
  c.num_threads = call.num_threads;
  c.log_prob = view_matrix(log_prob, "log_prob", rows, cols, device);
  c.old_log_prob = view_matrix(call.old_log_prob, "old_log_prob", rows, cols, device);
  c.advantages = view_matrix(call.advantages, "advantages", rows, cols, device);
  c.response_mask = view_matrix(call.response_mask, "response_mask", rows, cols, device);
  c.has_is_weights = call.rollout_is_weights != nullptr;
  if (c.has_is_weights) {
    c.is_weights = view_matrix(call.rollout_is_weights, "rollout_is_weights", rows, cols, device);
  }
  c.grad = view_matrix(call.grad_log_prob, "grad_log_prob", rows, cols, device);
  check_vector_output(call.loss, "loss", 1, device);
  c.loss = output_view(*call.loss);
  if (call.metrics != nullptr) {
    check_vector_output(call.metrics, "metrics", num_metrics, device);
    c.metrics = output_view(*call.metrics);
  }
  c.device = device;
  c.stream = call.stream;

  const bool on_cuda = device.device_type == kDLCUDA;
  if (!on_cuda && device.device_type != kDLCPU && device.device_type != kDLCUDAHost) {
    fail_unsupported(std::string("plugin '") + loss_name + "' cannot compute on " +
                     describe_device(device) + "; it serves " + served);
  }
  const Dtype dtype = c.log_prob.dtype;
  const bool half_precision = dtype == Dtype::float16 || dtype == Dtype::bfloat16;
  if (dtype != Dtype::float32 && dtype != Dtype::float64 && !(on_cuda && half_precision)) {
    fail_unsupported(std::string("log_prob has dtype ") + dtype_name(dtype) + "; on " +
                     (on_cuda ? "cuda the inputs must be float32, float64, float16 or bfloat16"
                              : "cpu the inputs must be float32 or float64"));
  }
  require_input_dtype(c.old_log_prob, "old_log_prob", dtype);
  require_input_dtype(c.advantages, "advantages", dtype);
  if (c.has_is_weights) require_input_dtype(c.is_weights, "rollout_is_weights", dtype);
  if (c.grad.dtype != dtype) {
    fail(std::string("grad_log_prob has dtype ") + dtype_name(c.grad.dtype) +
         " but must have log_prob's dtype " + dtype_name(dtype));
  }
  require_distinct_elements(c.grad, "grad_log_prob", rows, cols);
  const Dtype mask_dtype = c.response_mask.dtype;
  if (mask_dtype != Dtype::byte && mask_dtype != Dtype::float32 && mask_dtype != Dtype::float64) {
    fail_unsupported(std::string("response_mask has dtype ") + dtype_name(mask_dtype) +
                     "; it must be bool, uint8, float32 or float64");
  }
  c.aggregation = check_aggregation(mode, call.global_token_count, call.global_seq_count,
                                    call.dp_size, loss_scale_factor, cols);
  return c;
}

}  // namespace rlloss::kit
