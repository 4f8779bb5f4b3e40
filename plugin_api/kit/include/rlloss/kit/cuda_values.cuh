// What every kernel of the CUDA pass shares: launch shape, element loads and stores in each
// dtype, and reductions whose order is fixed (warp shuffles in lane order, warps in index order),
// so the same input gives bit-identical results on every run.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <rlloss/kit/device_macros.hpp>
#include <rlloss/kit/tensors.hpp>

namespace rlloss::kit::cuda {

inline constexpr int kThreads = 256;
inline constexpr int kWarps = kThreads / 32;
inline constexpr int kTokensPerThread = 8;
inline constexpr int64_t kTokensPerBlock = int64_t{kThreads} * kTokensPerThread;

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

template <class V>
__device__ __forceinline__ V warp_sum(V value) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    value += __shfl_down_sync(0xffffffffu, value, offset);
  }
  return value;
}

// Sum over the block, the same order on every run; the result is valid in every thread.
// `shared_warps` is a RLLOSS_SHARED_ARRAY of kWarps V (a V* under nvcc).
template <class V, class SharedArray>
__device__ V block_sum(V value, SharedArray shared_warps) {
  value = warp_sum(value);
  const int warp = threadIdx.x / 32;
  if (threadIdx.x % 32 == 0) shared_warps[warp] = value;
  __syncthreads();
  V total = 0;
  for (int w = 0; w < kWarps; ++w) total += shared_warps[w];
  __syncthreads();
  return total;
}

}  // namespace rlloss::kit::cuda
