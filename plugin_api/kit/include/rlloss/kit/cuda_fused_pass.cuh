// The fused CUDA pass: the same per-token math as the CPU pass, enqueued on the caller's stream.
//
// Four kernels (five for a sequence-level loss), none of which the host waits for:
//   1. row_lengths: masked tokens per sequence (one block per row; reads the mask once);
//   1b. row_log_ratio, only when the loss uses it (token_math.hpp): each row's masked mean of
//      log_prob - old_log_prob, one block per row, summed in double in a fixed order;
//   2. sequence_weights: N_tok, N_seq and the aggregation weight w_b of every sequence;
//   3. fused: one read of the inputs, one write of the gradient, per-block partial sums of the
//      weighted loss and the metric terms;
//   4. finalize: the partial sums reduced in block order, the loss and the metrics written.
// Every reduction has a fixed shape (warp shuffles in lane order, warps and blocks in index order),
// so the same input gives bit-identical results on every run and every stream. Scratch memory
// is allocated and freed stream-ordered (cudaMallocFromPoolAsync / cudaFreeAsync).
//
// Checks that need the data (a mask holding something other than 0 and 1, a global count
// below this batch's count) cannot stop the call without synchronising: they make the loss and
// every metric NaN instead, so a broken batch can never train silently.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <rlloss/kit/cuda_row_kernels.cuh>
#include <rlloss/kit/cuda_runtime.cuh>
#include <rlloss/kit/cuda_token_kernels.cuh>
#include <rlloss/kit/cuda_values.cuh>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/token_math.hpp>

namespace rlloss::kit::cuda {

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

template <class Math, class T, class M>
void launch_fused(const Instance<Math>& instance, const DeviceCall& c, int64_t blocks,
                  const double* weights, const double* row_log_ratio, double* partials,
                  cudaStream_t stream) {
  using C = typename ComputeType<T>::type;
  const auto& params = instance.template params<C>();
  const M* mask = reinterpret_cast<const M*>(c.response_mask.data);
  const int64_t total = c.rows * c.cols;
  const auto grid = static_cast<unsigned>(blocks);
  if (c.has_is_weights) {
    fused_kernel<Math, T, M, true>
        <<<grid, kThreads, 0, stream>>>(params, device_pointers<T>(c), mask, device_strides(c),
                                        c.cols, total, weights, row_log_ratio, partials);
  } else {
    fused_kernel<Math, T, M, false>
        <<<grid, kThreads, 0, stream>>>(params, device_pointers<T>(c), mask, device_strides(c),
                                        c.cols, total, weights, row_log_ratio, partials);
  }
}

template <class T, class M>
void launch_row_log_ratio(const DeviceCall& c, double* out, cudaStream_t stream) {
  const PrePassStrides strides{{c.log_prob.row_stride, c.log_prob.col_stride},
                               {c.old_log_prob.row_stride, c.old_log_prob.col_stride},
                               {c.response_mask.row_stride, c.response_mask.col_stride}};
  row_log_ratio_kernel<T, M><<<static_cast<unsigned>(c.rows), kThreads, 0, stream>>>(
      reinterpret_cast<const T*>(c.log_prob.data), reinterpret_cast<const T*>(c.old_log_prob.data),
      reinterpret_cast<const M*>(c.response_mask.data), strides, c.cols, out);
}

// Calls `launch` with a value of the mask's element type (the mask dtype was checked to be one of
// these three).
template <class Launch>
void with_mask_type(Dtype mask_dtype, Launch&& launch) {
  switch (mask_dtype) {
    case Dtype::byte: return launch(uint8_t{});
    case Dtype::float32: return launch(float{});
    default: return launch(double{});
  }
}

template <class Math, class T>
void launch_fused_typed(const Instance<Math>& instance, const DeviceCall& c, int64_t blocks,
                        const double* weights, double* row_log_ratio, double* partials,
                        cudaStream_t stream) {
  const bool pre_pass = kRowLogRatio<Math> && instance.row_log_ratio && c.rows > 0 && c.cols > 0;
  with_mask_type(c.response_mask.dtype, [&](auto mask_value) {
    using M = decltype(mask_value);
    if (pre_pass) launch_row_log_ratio<T, M>(c, row_log_ratio, stream);
    launch_fused<Math, T, M>(instance, c, blocks, weights, pre_pass ? row_log_ratio : nullptr,
                             partials, stream);
  });
}

template <class M>
void launch_row_lengths(const DeviceCall& c, long long* lengths, unsigned* flags,
                        cudaStream_t stream) {
  row_lengths_kernel<M><<<static_cast<unsigned>(c.rows), kThreads, 0, stream>>>(
      reinterpret_cast<const M*>(c.response_mask.data), c.response_mask.row_stride,
      c.response_mask.col_stride, c.cols, lengths, flags);
}

template <class Math>
void run(const void* instance_ptr, const DeviceCall& c) {
  const auto& instance = *static_cast<const Instance<Math>*>(instance_ptr);
  constexpr int kSums = 1 + Math::kNumTerms;
  if (c.rows > 0x7fffffffll) fail("CUDA path supports at most 2^31 - 1 sequences");
  DeviceScope scope(c.device.device_id);
  const auto stream = static_cast<cudaStream_t>(c.stream);
  const int64_t total = c.rows * c.cols;
  const int64_t blocks = (total + kTokensPerBlock - 1) / kTokensPerBlock;

  const size_t lengths_bytes = align_up(sizeof(long long) * static_cast<size_t>(c.rows));
  const size_t weights_bytes = align_up(sizeof(double) * static_cast<size_t>(c.rows));
  const size_t partial_bytes = align_up(sizeof(double) * static_cast<size_t>(blocks) * kSums);
  // The row pre-pass's values, for a loss that uses them.
  const size_t row_bytes = kRowLogRatio<Math> && instance.row_log_ratio
                               ? align_up(sizeof(double) * static_cast<size_t>(c.rows))
                               : 0;
  const size_t bytes = lengths_bytes + weights_bytes + partial_bytes + 256 + row_bytes;
  void* scratch = nullptr;
  check_cuda(cudaMallocFromPoolAsync(&scratch, bytes, scratch_pool(c.device.device_id), stream),
             "cudaMallocFromPoolAsync");
  auto* base = static_cast<char*>(scratch);
  auto* lengths = reinterpret_cast<long long*>(base);
  auto* weights = reinterpret_cast<double*>(base + lengths_bytes);
  auto* partials = reinterpret_cast<double*>(base + lengths_bytes + weights_bytes);
  auto* local_tokens =
      reinterpret_cast<long long*>(base + lengths_bytes + weights_bytes + partial_bytes);
  auto* flags = reinterpret_cast<unsigned*>(local_tokens + 1);
  auto* row_log_ratio =
      reinterpret_cast<double*>(base + lengths_bytes + weights_bytes + partial_bytes + 256);

  cudaError_t status =
      cudaMemsetAsync(base + lengths_bytes + weights_bytes + partial_bytes, 0, 256, stream);

  if (status == cudaSuccess && c.rows > 0) {
    if (c.cols == 0) {
      status = cudaMemsetAsync(lengths, 0, sizeof(long long) * static_cast<size_t>(c.rows), stream);
    } else {
      with_mask_type(c.response_mask.dtype, [&](auto mask_value) {
        launch_row_lengths<decltype(mask_value)>(c, lengths, flags, stream);
      });
    }
  }
  if (status == cudaSuccess) {
    sequence_weights_kernel<<<1, kThreads, 0, stream>>>(lengths, c.rows, c.aggregation, weights,
                                                        local_tokens, flags);
    if (blocks > 0) {
      switch (c.log_prob.dtype) {
        case Dtype::float32:
          launch_fused_typed<Math, float>(instance, c, blocks, weights, row_log_ratio, partials,
                                          stream);
          break;
        case Dtype::float64:
          launch_fused_typed<Math, double>(instance, c, blocks, weights, row_log_ratio, partials,
                                           stream);
          break;
        case Dtype::float16:
          launch_fused_typed<Math, __half>(instance, c, blocks, weights, row_log_ratio, partials,
                                           stream);
          break;
        default:
          launch_fused_typed<Math, __nv_bfloat16>(instance, c, blocks, weights, row_log_ratio,
                                                  partials, stream);
          break;
      }
    }
    finalize_kernel<Math>
        <<<1, kThreads, 0, stream>>>(partials, blocks, local_tokens, flags, c.loss, c.metrics);
    status = cudaGetLastError();
  }
  const cudaError_t free_status = cudaFreeAsync(scratch, stream);
  check_cuda(status, "launching the loss kernels");
  check_cuda(free_status, "cudaFreeAsync");
}

}  // namespace rlloss::kit::cuda

// Defines rlloss::kit::cuda::cuda_kernel for one loss; put it in the plugin's .cu file.
#define RLLOSS_DEFINE_CUDA_KERNEL(MATH)                            \
  namespace rlloss::kit::cuda {                                    \
  void cuda_kernel(const void* instance, const DeviceCall& call) { \
    run<MATH>(instance, call);                                     \
  }                                                                \
  }
