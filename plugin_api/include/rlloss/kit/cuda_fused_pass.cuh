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

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>
#include <rlloss/kit/cuda_call.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/token_math.hpp>
#include <string>

namespace rlloss::kit::cuda {

inline constexpr int kThreads = 256;
inline constexpr int kWarps = kThreads / 32;
inline constexpr int kTokensPerThread = 8;
inline constexpr int64_t kTokensPerBlock = int64_t{kThreads} * kTokensPerThread;
inline constexpr unsigned kInvalidMask = 1u;
inline constexpr unsigned kInvalidGlobalCount = 2u;

template <class T>
struct ComputeType {
  using type = float;
};
template <>
struct ComputeType<double> {
  using type = double;
};

__device__ __forceinline__ float load_value(const float* p) {
  return *p;
}
__device__ __forceinline__ double load_value(const double* p) {
  return *p;
}
__device__ __forceinline__ float load_value(const __half* p) {
  return __half2float(*p);
}
__device__ __forceinline__ float load_value(const __nv_bfloat16* p) {
  return __bfloat162float(*p);
}

__device__ __forceinline__ void store_value(float* p, float v) {
  *p = v;
}
__device__ __forceinline__ void store_value(double* p, double v) {
  *p = v;
}
__device__ __forceinline__ void store_value(__half* p, float v) {
  *p = __float2half_rn(v);
}
__device__ __forceinline__ void store_value(__nv_bfloat16* p, float v) {
  *p = __float2bfloat16_rn(v);
}

__device__ __forceinline__ void store_output(void* base, Dtype dtype, int64_t index, double v) {
  if (dtype == Dtype::float32) {
    static_cast<float*>(base)[index] = static_cast<float>(v);
  } else {
    static_cast<double*>(base)[index] = v;
  }
}

template <class V>
__device__ __forceinline__ V warp_sum(V value) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    value += __shfl_down_sync(0xffffffffu, value, offset);
  }
  return value;
}

// Sum over the block, the same order on every run; the result is valid in every thread.
template <class V>
__device__ V block_sum(V value, V* shared_warps) {
  value = warp_sum(value);
  const int warp = threadIdx.x / 32;
  if (threadIdx.x % 32 == 0) shared_warps[warp] = value;
  __syncthreads();
  V total = 0;
  for (int w = 0; w < kWarps; ++w) total += shared_warps[w];
  __syncthreads();
  return total;
}

template <class M>
__global__ void __launch_bounds__(kThreads)
    row_lengths_kernel(const M* mask, int64_t row_stride, int64_t col_stride, int64_t cols,
                       long long* lengths, unsigned* flags) {
  __shared__ long long shared[kWarps];
  const M* row = mask + static_cast<int64_t>(blockIdx.x) * row_stride;
  long long count = 0;
  bool binary = true;
  for (int64_t t = threadIdx.x; t < cols; t += kThreads) {
    const M value = row[t * col_stride];
    count += value != M(0);
    binary &= value == M(0) || value == M(1);
  }
  if (!binary) atomicOr(flags, kInvalidMask);
  count = block_sum(count, shared);
  if (threadIdx.x == 0) lengths[blockIdx.x] = count;
}

// Row and column strides of log_prob, old_log_prob and the mask, passed by value.
struct PrePassStrides {
  int64_t log_prob[2], old_log_prob[2], mask[2];
};

template <class T, class M>
__global__ void __launch_bounds__(kThreads)
    row_log_ratio_kernel(const T* log_prob, const T* old_log_prob, const M* mask, PrePassStrides s,
                         int64_t cols, double* out) {
  __shared__ double shared_sum[kWarps];
  __shared__ long long shared_count[kWarps];
  const int64_t b = blockIdx.x;
  double sum = 0;
  long long count = 0;
  for (int64_t t = threadIdx.x; t < cols; t += kThreads) {
    // Masked tokens are skipped, not multiplied by 0: NaN or inf there changes nothing.
    if (mask[b * s.mask[0] + t * s.mask[1]] == M(0)) continue;
    sum += static_cast<double>(load_value(log_prob + b * s.log_prob[0] + t * s.log_prob[1])) -
           static_cast<double>(
               load_value(old_log_prob + b * s.old_log_prob[0] + t * s.old_log_prob[1]));
    ++count;
  }
  sum = block_sum(sum, shared_sum);
  count = block_sum(count, shared_count);
  if (threadIdx.x == 0) out[b] = count > 0 ? sum / static_cast<double>(count) : 0.0;
}

__global__ void __launch_bounds__(kThreads)
    sequence_weights_kernel(const long long* lengths, int64_t rows, AggMode mode,
                            int64_t global_tokens, int64_t global_sequences, int64_t dp_size,
                            double loss_scale, double* weights, long long* local_tokens,
                            unsigned* flags) {
  __shared__ long long shared[kWarps];
  long long tokens = 0;
  long long sequences = 0;
  for (int64_t b = threadIdx.x; b < rows; b += kThreads) {
    tokens += lengths[b];
    sequences += lengths[b] > 0;
  }
  tokens = block_sum(tokens, shared);
  sequences = block_sum(sequences, shared);
  Normalisers n;
  n.tokens = static_cast<double>(global_tokens >= 0 ? global_tokens : tokens);
  n.sequences = static_cast<double>(global_sequences >= 0 ? global_sequences : sequences);
  n.dp_size = static_cast<double>(dp_size);
  n.scale = loss_scale;
  for (int64_t b = threadIdx.x; b < rows; b += kThreads) {
    weights[b] = sequence_weight(mode, n, lengths[b]);
  }
  if (threadIdx.x == 0) {
    *local_tokens = tokens;
    if ((global_tokens >= 0 && global_tokens < tokens) ||
        (global_sequences >= 0 && global_sequences < sequences)) {
      atomicOr(flags, kInvalidGlobalCount);
    }
  }
}

template <class T>
struct DevicePointers {
  const T* log_prob;
  const T* old_log_prob;
  const T* advantages;
  const T* is_weights;
  T* grad;
};

struct DeviceStrides {
  int64_t log_prob[2], old_log_prob[2], advantages[2], mask[2], is_weights[2], grad[2];
};

template <class Math, class T, class M, bool kIsWeights>
__global__ void __launch_bounds__(kThreads)
    fused_kernel(typename Math::template Params<typename ComputeType<T>::type> params,
                 DevicePointers<T> p, const M* mask, DeviceStrides s, int64_t cols, int64_t total,
                 const double* weights, const double* row_log_ratio, double* partials) {
  using C = typename ComputeType<T>::type;
  constexpr int K = Math::kNumTerms;
  constexpr int kSums = 1 + K;
  C loss = 0;
  C terms[K > 0 ? K : 1] = {};
  const int64_t first = static_cast<int64_t>(blockIdx.x) * kTokensPerBlock + threadIdx.x;
  const bool narrow = total <= 0xffffffffll && cols <= 0xffffffffll;
#pragma unroll
  for (int j = 0; j < kTokensPerThread; ++j) {
    const int64_t index = first + int64_t{j} * kThreads;
    if (index >= total) break;
    const int64_t b =
        narrow ? static_cast<int64_t>(static_cast<uint32_t>(index) / static_cast<uint32_t>(cols))
               : index / cols;
    const int64_t t = index - b * cols;
    const auto at = [b, t](const int64_t* stride) { return b * stride[0] + t * stride[1]; };
    const bool on = mask[at(s.mask)] != M(0);
    const auto token =
        call_token<Math, C>(params, static_cast<C>(load_value(p.log_prob + at(s.log_prob))),
                            static_cast<C>(load_value(p.old_log_prob + at(s.old_log_prob))),
                            static_cast<C>(load_value(p.advantages + at(s.advantages))),
                            row_log_ratio != nullptr ? static_cast<C>(row_log_ratio[b]) : C(0));
    const C is_weight =
        kIsWeights ? static_cast<C>(load_value(p.is_weights + at(s.is_weights))) : C(1);
    const C weight = static_cast<C>(weights[b]);
    store_value(p.grad + at(s.grad), on ? token.dloss * is_weight * weight : C(0));
    loss += on ? token.loss * is_weight * weight : C(0);
#pragma unroll
    for (int m = 0; m < K; ++m) terms[m] += on ? token.terms[m] : C(0);
  }
  __shared__ double shared[kWarps];
  const double block_loss = block_sum(static_cast<double>(loss), shared);
  if (threadIdx.x == 0) partials[blockIdx.x * kSums] = block_loss;
#pragma unroll
  for (int m = 0; m < K; ++m) {
    const double block_term = block_sum(static_cast<double>(terms[m]), shared);
    if (threadIdx.x == 0) partials[blockIdx.x * kSums + 1 + m] = block_term;
  }
}

template <class Math>
__global__ void __launch_bounds__(kThreads)
    finalize_kernel(const double* partials, int64_t blocks, const long long* local_tokens,
                    const unsigned* flags, void* loss, Dtype loss_dtype, void* metrics,
                    Dtype metrics_dtype, int64_t metrics_stride) {
  constexpr int kSums = 1 + Math::kNumTerms;
  constexpr int kMetrics = sizeof(Math::kMetricNames) / sizeof(Math::kMetricNames[0]);
  __shared__ double sums[kSums];
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  for (int s = warp; s < kSums; s += kWarps) {
    double value = 0;
    for (int64_t block = lane; block < blocks; block += 32) value += partials[block * kSums + s];
    value = warp_sum(value);
    if (lane == 0) sums[s] = value;
  }
  __syncthreads();
  if (threadIdx.x != 0) return;
  const bool invalid = *flags != 0;
  const double nan = __longlong_as_double(0x7ff8000000000000ll);
  store_output(loss, loss_dtype, 0, invalid ? nan : sums[0]);
  if (metrics == nullptr) return;
  double values[kMetrics > 0 ? kMetrics : 1];
  Math::finalize(sums + 1, static_cast<double>(*local_tokens), values);
  for (int m = 0; m < kMetrics; ++m) {
    store_output(metrics, metrics_dtype, m * metrics_stride, invalid ? nan : values[m]);
  }
}

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw Error(RLLOSS_ERROR_DEVICE, std::string(what) + ": " + cudaGetErrorName(status) + " (" +
                                         cudaGetErrorString(status) + ")");
  }
}

// Makes `device` current for the scope; restores the caller's device after.
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess || count == 0) {
      cudaGetLastError();  // clear the sticky-free error so later calls are not confused
      throw Error(RLLOSS_ERROR_DEVICE,
                  std::string("no CUDA device available (cudaGetDeviceCount: ") +
                      (status == cudaSuccess ? "0 devices" : cudaGetErrorName(status)) + ")");
    }
    if (device < 0 || device >= count) {
      throw Error(RLLOSS_ERROR_DEVICE, "tensors are on cuda:" + std::to_string(device) +
                                           " but only " + std::to_string(count) +
                                           " CUDA devices exist");
    }
    check_cuda(cudaGetDevice(&previous_), "cudaGetDevice");
    if (previous_ != device) check_cuda(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceScope() {
    int current = previous_;
    if (cudaGetDevice(&current) == cudaSuccess && current != previous_) cudaSetDevice(previous_);
  }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

inline size_t align_up(size_t bytes) {
  return (bytes + 255) / 256 * 256;
}

// A private stream-ordered pool per device that keeps up to 64 MiB between calls, so scratch
// allocation costs no driver round trip at steady state and the host's own default pool is left
// as the host configured it. Pools live as long as the process (plugins are never unloaded).
inline cudaMemPool_t scratch_pool(int device) {
  static std::mutex mutex;
  static std::map<int, cudaMemPool_t> pools;
  std::lock_guard<std::mutex> lock(mutex);
  const auto found = pools.find(device);
  if (found != pools.end()) return found->second;
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = device;
  cudaMemPool_t pool = nullptr;
  check_cuda(cudaMemPoolCreate(&pool, &props), "cudaMemPoolCreate");
  uint64_t keep_bytes = uint64_t{64} << 20;
  check_cuda(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep_bytes),
             "cudaMemPoolSetAttribute");
  pools.emplace(device, pool);
  return pool;
}

template <class T>
DevicePointers<T> device_pointers(const CudaCall& c) {
  return {reinterpret_cast<const T*>(c.log_prob.data),
          reinterpret_cast<const T*>(c.old_log_prob.data),
          reinterpret_cast<const T*>(c.advantages.data),
          c.has_is_weights ? reinterpret_cast<const T*>(c.is_weights.data) : nullptr,
          reinterpret_cast<T*>(c.grad.data)};
}

inline DeviceStrides device_strides(const CudaCall& c) {
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
void launch_fused(const Instance<Math>& instance, const CudaCall& c, int64_t blocks,
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
void launch_row_log_ratio(const CudaCall& c, double* out, cudaStream_t stream) {
  const PrePassStrides strides{{c.log_prob.row_stride, c.log_prob.col_stride},
                               {c.old_log_prob.row_stride, c.old_log_prob.col_stride},
                               {c.response_mask.row_stride, c.response_mask.col_stride}};
  row_log_ratio_kernel<T, M><<<static_cast<unsigned>(c.rows), kThreads, 0, stream>>>(
      reinterpret_cast<const T*>(c.log_prob.data), reinterpret_cast<const T*>(c.old_log_prob.data),
      reinterpret_cast<const M*>(c.response_mask.data), strides, c.cols, out);
}

template <class Math, class T>
void launch_fused_typed(const Instance<Math>& instance, const CudaCall& c, int64_t blocks,
                        const double* weights, double* row_log_ratio, double* partials,
                        cudaStream_t stream) {
  const bool pre_pass = kRowLogRatio<Math> && instance.row_log_ratio && c.rows > 0 && c.cols > 0;
  switch (c.response_mask.dtype) {
    case Dtype::byte:
      if (pre_pass) launch_row_log_ratio<T, uint8_t>(c, row_log_ratio, stream);
      return launch_fused<Math, T, uint8_t>(instance, c, blocks, weights,
                                            pre_pass ? row_log_ratio : nullptr, partials, stream);
    case Dtype::float32:
      if (pre_pass) launch_row_log_ratio<T, float>(c, row_log_ratio, stream);
      return launch_fused<Math, T, float>(instance, c, blocks, weights,
                                          pre_pass ? row_log_ratio : nullptr, partials, stream);
    default:
      if (pre_pass) launch_row_log_ratio<T, double>(c, row_log_ratio, stream);
      return launch_fused<Math, T, double>(instance, c, blocks, weights,
                                           pre_pass ? row_log_ratio : nullptr, partials, stream);
  }
}

template <class M>
void launch_row_lengths(const CudaCall& c, long long* lengths, unsigned* flags,
                        cudaStream_t stream) {
  row_lengths_kernel<M><<<static_cast<unsigned>(c.rows), kThreads, 0, stream>>>(
      reinterpret_cast<const M*>(c.response_mask.data), c.response_mask.row_stride,
      c.response_mask.col_stride, c.cols, lengths, flags);
}

template <class Math>
void run(const void* instance_ptr, const CudaCall& c) {
  const auto& instance = *static_cast<const Instance<Math>*>(instance_ptr);
  constexpr int kSums = 1 + Math::kNumTerms;
  if (c.rows > 0x7fffffffll) fail("CUDA path supports at most 2^31 - 1 sequences");
  DeviceScope scope(c.device_id);
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
  check_cuda(cudaMallocFromPoolAsync(&scratch, bytes, scratch_pool(c.device_id), stream),
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
    } else if (c.response_mask.dtype == Dtype::byte) {
      launch_row_lengths<uint8_t>(c, lengths, flags, stream);
    } else if (c.response_mask.dtype == Dtype::float32) {
      launch_row_lengths<float>(c, lengths, flags, stream);
    } else {
      launch_row_lengths<double>(c, lengths, flags, stream);
    }
  }
  if (status == cudaSuccess) {
    sequence_weights_kernel<<<1, kThreads, 0, stream>>>(
        lengths, c.rows, c.agg_mode, c.global_tokens, c.global_sequences, c.dp_size, c.loss_scale,
        weights, local_tokens, flags);
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
    finalize_kernel<Math><<<1, kThreads, 0, stream>>>(partials, blocks, local_tokens, flags, c.loss,
                                                      c.loss_dtype, c.metrics, c.metrics_dtype,
                                                      c.metrics_stride);
    status = cudaGetLastError();
  }
  const cudaError_t free_status = cudaFreeAsync(scratch, stream);
  check_cuda(status, "launching the loss kernels");
  check_cuda(free_status, "cudaFreeAsync");
}

}  // namespace rlloss::kit::cuda

// Defines rlloss::kit::cuda::cuda_kernel for one loss; put it in the plugin's .cu file.
#define RLLOSS_DEFINE_CUDA_KERNEL(MATH)                          \
  namespace rlloss::kit::cuda {                                  \
  void cuda_kernel(const void* instance, const CudaCall& call) { \
    run<MATH>(instance, call);                                   \
  }                                                              \
  }
