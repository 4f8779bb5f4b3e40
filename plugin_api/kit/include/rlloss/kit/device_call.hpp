// A compute call after validation, as every backend (CPU, CUDA) receives it: the tensors as
// strided views, the aggregation the host asked for, and where the loss and metrics go. A plain
// struct with no CUDA types, so the CUDA backend's translation unit and the plugin's share it.
#pragma once

#include <cstdint>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/device_macros.hpp>
#include <rlloss/kit/tensors.hpp>

namespace rlloss::kit {

// A 0-d or 1-d float32/float64 output.
struct OutputView {
  void* data = nullptr;  // null for metrics the caller did not ask for
  Dtype dtype = Dtype::float32;
  int64_t stride = 1;
};

struct DeviceCall {
  MatrixView log_prob, old_log_prob, advantages, response_mask, is_weights, grad;
  bool has_is_weights = false;
  int64_t rows = 0;
  int64_t cols = 0;
  int num_threads = 0;  // CPU only: <= 0 means the default
  AggregationRequest aggregation;
  OutputView loss;
  OutputView metrics;
  DLDevice device{kDLCPU, 0};  // of every tensor (kDLCUDAHost memory runs on the CPU)
  void* stream = nullptr;      // CUDA only: the caller's cudaStream_t
};

RLLOSS_HOST_DEVICE inline void store_output(const OutputView& out, int64_t index, double value) {
  if (out.dtype == Dtype::float32) {
    static_cast<float*>(out.data)[index * out.stride] = static_cast<float>(value);
  } else {
    static_cast<double*>(out.data)[index * out.stride] = value;
  }
}

// Enqueues the whole computation on call.stream and returns without waiting for the device.
// Throws Error (RLLOSS_ERROR_DEVICE) when the CUDA runtime fails or no device is present.
// Defined by RLLOSS_DEFINE_CUDA_KERNEL in the plugin's .cu file; `instance` is its Instance<Math>.
namespace cuda {
void cuda_kernel(const void* instance, const DeviceCall& call);
}

}  // namespace rlloss::kit
