// The CUDA backend of the device driver (kit/device_driver.hpp): every stage is a kernel enqueued
// on the caller's stream, none of which the host waits for.
//   row_lengths       one block per row; reads the mask once, flags a value other than 0 and 1
//   sequence_weights  one block: N_tok, N_seq and w_b of every row
//   row_log_ratio     one block per row, summed in double in a fixed order
//   token_pass        kTokensPerBlock tokens per block, per-block partial sums
//   finalize          one block: the partial sums reduced in block order, outputs written
// Every reduction has a fixed shape (warp shuffles in lane order, warps and blocks in index order),
// so the same input gives bit-identical results on every run and every stream. Scratch memory
// is allocated and freed stream-ordered (cudaMallocFromPoolAsync / cudaFreeAsync).
//
// Checks that need the data (a mask holding something other than 0 and 1, a global count
// below this batch's count) cannot stop the call without synchronising: they make the loss and
// every metric NaN instead, so a broken batch can never train silently.
//
// Compiled by nvcc for a GPU, or as C++ for the interpreted device (tests/interp/), which runs
// these same kernels with CUDA's execution rules on the CPU.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <rlloss/kit/cuda_launch.cuh>
#include <rlloss/kit/cuda_row_kernels.cuh>
#include <rlloss/kit/cuda_runtime.cuh>
#include <rlloss/kit/cuda_token_kernels.cuh>
#include <rlloss/kit/cuda_values.cuh>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/device_driver.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/token_math.hpp>

namespace rlloss::kit {

template <>
struct DtypeOf<__half> {
  static constexpr Dtype value = Dtype::float16;
};
template <>
struct DtypeOf<__nv_bfloat16> {
  static constexpr Dtype value = Dtype::bfloat16;
};

namespace cuda {

template <class T>
DevicePointers<T> device_pointers(const DeviceCall& c) {
  return {reinterpret_cast<const T*>(c.log_prob.data),
          reinterpret_cast<const T*>(c.old_log_prob.data),
          reinterpret_cast<const T*>(c.advantages.data),
          c.has_is_weights ? reinterpret_cast<const T*>(c.is_weights.data) : nullptr,
          reinterpret_cast<T*>(c.grad.data)};
}

inline DeviceStrides device_strides(const DeviceCall& c) {
  const auto pair = [](const MatrixView& v, int64_t* out) {
    out[0] = v.row_stride;
    out[1] = v.col_stride;
  };
  DeviceStrides s{};
  pair(c.log_prob, s.log_prob);
  pair(c.old_log_prob, s.old_log_prob);
  pair(c.advantages, s.advantages);
  pair(c.response_mask, s.mask);
  if (c.has_is_weights) pair(c.is_weights, s.is_weights);
  pair(c.grad, s.grad);
  return s;
}

class CudaBackend {
 public:
  using ValueTypes = TypeList<float, double, __half, __nv_bfloat16>;

  explicit CudaBackend(const DeviceCall& c)
      : scope_(c.device.device_id),
        device_(c.device.device_id),
        stream_(static_cast<cudaStream_t>(c.stream)) {
    if (c.rows > 0x7fffffffll) fail("CUDA path supports at most 2^31 - 1 sequences");
  }

  int64_t token_blocks(const DeviceCall& c) const {
    return (c.rows * c.cols + kTokensPerBlock - 1) / kTokensPerBlock;
  }

  // Stream-ordered device memory, freed in stream order by finish() or, on an error, here.
  class Memory {
   public:
    Memory(void* data, cudaStream_t stream) : data_(data), stream_(stream) {}
    Memory(Memory&& other) noexcept : data_(other.data_), stream_(other.stream_) {
      other.data_ = nullptr;
    }
    Memory(const Memory&) = delete;
    Memory& operator=(const Memory&) = delete;
    ~Memory() {
      if (data_ != nullptr) cudaFreeAsync(data_, stream_);
    }
    void* data() { return data_; }
    cudaError_t release() {
      void* data = data_;
      data_ = nullptr;
      return cudaFreeAsync(data, stream_);
    }

   private:
    void* data_;
    cudaStream_t stream_;
  };

  Memory allocate(size_t bytes) {
    void* data = nullptr;
    check_cuda(consume(cudaMallocFromPoolAsync(&data, bytes, scratch_pool(device_), stream_)),
               "cudaMallocFromPoolAsync");
    return Memory(data, stream_);
  }

  void zero(void* data, size_t bytes) {
    if (status_ == cudaSuccess) note(cudaMemsetAsync(data, 0, bytes, stream_));
  }

  template <class M>
  void row_lengths(const DeviceCall& c, const CallScratch& s) {
    if (c.rows == 0) return;
    if (c.cols == 0) {
      zero(s.lengths, sizeof(int64_t) * static_cast<size_t>(c.rows));
      return;
    }
    launch("row_lengths", row_lengths_kernel<M>, static_cast<unsigned>(c.rows),
           reinterpret_cast<const M*>(c.response_mask.data), c.response_mask.row_stride,
           c.response_mask.col_stride, c.cols, s.lengths, s.flags);
  }

  void sequence_weights(const DeviceCall& c, const CallScratch& s) {
    launch("sequence_weights", sequence_weights_kernel, 1, s.lengths, c.rows, c.aggregation,
           s.weights, s.local_tokens, s.flags);
  }

  template <class T, class M>
  void row_log_ratio(const DeviceCall& c, const CallScratch& s) {
    if (c.rows == 0) return;
    const PrePassStrides strides{{c.log_prob.row_stride, c.log_prob.col_stride},
                                 {c.old_log_prob.row_stride, c.old_log_prob.col_stride},
                                 {c.response_mask.row_stride, c.response_mask.col_stride}};
    launch("row_log_ratio", row_log_ratio_kernel<T, M>, static_cast<unsigned>(c.rows),
           reinterpret_cast<const T*>(c.log_prob.data),
           reinterpret_cast<const T*>(c.old_log_prob.data),
           reinterpret_cast<const M*>(c.response_mask.data), strides, c.cols, s.row_log_ratio);
  }

  template <class Math, class T, class M>
  void token_pass(const Instance<Math>& instance, const DeviceCall& c, const CallScratch& s) {
    if (s.blocks == 0) return;
    using C = typename ComputeType<T>::type;
    const auto& params = instance.template params<C>();
    const M* mask = reinterpret_cast<const M*>(c.response_mask.data);
    const auto grid = static_cast<unsigned>(s.blocks);
    const int64_t total = c.rows * c.cols;
    if (c.has_is_weights) {
      launch("token_pass", fused_kernel<Math, T, M, true>, grid, params, device_pointers<T>(c),
             mask, device_strides(c), c.cols, total, s.weights, s.row_log_ratio, s.partials);
    } else {
      launch("token_pass", fused_kernel<Math, T, M, false>, grid, params, device_pointers<T>(c),
             mask, device_strides(c), c.cols, total, s.weights, s.row_log_ratio, s.partials);
    }
  }

  template <class Math>
  void finalize(const DeviceCall& c, const CallScratch& s) {
    launch("finalize", finalize_kernel<Math>, 1, s.partials, s.blocks, s.local_tokens, s.flags,
           c.loss, c.metrics);
  }

  // Frees the scratch in stream order and reports the first error of the call.
  void finish(Memory& memory) {
    const cudaError_t free_status = consume(memory.release());
    check_cuda(status_, "launching the loss kernels");
    check_cuda(free_status, "cudaFreeAsync");
  }

 private:
  // A failed runtime call also sets the thread's last error; this call reports its own errors,
  // so it takes them off that state (the interpreted device found the next call reporting the
  // previous call's failed allocation).
  static cudaError_t consume(cudaError_t status) {
    if (status != cudaSuccess) cudaGetLastError();
    return status;
  }

  void note(cudaError_t status) {
    consume(status);
    if (status_ == cudaSuccess) status_ = status;
  }

  // Once a step of the call has failed, the later kernels are not launched: they would read
  // scratch the failed one never wrote (UBSan on the interpreted device found sequence_weights
  // summing uninitialised lengths after an injected launch failure).
  template <class... Params, class... Args>
  void launch(const char* name, void (*kernel)(Params...), unsigned grid, Args&&... args) {
    if (status_ != cudaSuccess) return;
    cuda::launch(name, kernel, grid, stream_, std::forward<Args>(args)...);
    note(cudaGetLastError());
  }

  DeviceScope scope_;
  int device_;
  cudaStream_t stream_;
  cudaError_t status_ = cudaSuccess;
};

template <class Math>
void run(const void* instance, const DeviceCall& c) {
  CudaBackend backend(c);
  run_stages(*static_cast<const Instance<Math>*>(instance), c, backend);
}

}  // namespace cuda
}  // namespace rlloss::kit

// Defines rlloss::kit::cuda::cuda_kernel for one loss; put it in the plugin's .cu file.
#define RLLOSS_DEFINE_CUDA_KERNEL(MATH)                            \
  namespace rlloss::kit::cuda {                                    \
  void cuda_kernel(const void* instance, const DeviceCall& call) { \
    run<MATH>(instance, call);                                     \
  }                                                                \
  }
