// A validated CUDA compute call as the device kernels see it (plain host struct: no CUDA headers).
#pragma once

#include <cstdint>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/tensors.hpp>

namespace rlloss::kit {

struct CudaCall {
  MatrixView log_prob, old_log_prob, advantages, response_mask, is_weights, grad;
  bool has_is_weights = false;
  int64_t rows = 0;
  int64_t cols = 0;
  AggMode agg_mode = AggMode::token_mean;
  int64_t global_tokens = -1;
  int64_t global_sequences = -1;
  int64_t dp_size = 1;
  double loss_scale = 1;  // loss_scale_factor resolved (T when the argument is 0)
  void* loss = nullptr;
  Dtype loss_dtype = Dtype::float32;
  void* metrics = nullptr;  // may be null
  Dtype metrics_dtype = Dtype::float32;
  int64_t metrics_stride = 1;
  int device_id = 0;
  void* stream = nullptr;  // cudaStream_t
};

// Enqueues the whole computation on call.stream and returns without waiting for the device.
// Throws Error (RLLOSS_ERROR_DEVICE) when the CUDA runtime fails or no device is present.
namespace cuda {
void cuda_kernel(const void* instance, const CudaCall& call);
}

}  // namespace rlloss::kit
