// Function attributes that let the per-token math compile for the CPU and, under nvcc, the GPU;
// and the one way a kernel declares shared memory, so that the interpreted device
// (tests/interp/) can watch every access to it.
#pragma once

#if defined(__CUDACC__)
#define RLLOSS_HOST_DEVICE __host__ __device__
#define RLLOSS_ALWAYS_INLINE __host__ __device__ __forceinline__
#else
#define RLLOSS_HOST_DEVICE
#define RLLOSS_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

// RLLOSS_SHARED_ARRAY(double, sums, 8) declares `__shared__ double sums[8]` in a kernel; device
// functions take such an array as a template parameter, not as a T*.
#if defined(RLLOSS_INTERPRETED_DEVICE)
#define RLLOSS_SHARED_ARRAY(T, name, count) RLLOSS_INTERP_SHARED_ARRAY(T, name, count)
#else
#define RLLOSS_SHARED_ARRAY(T, name, count) __shared__ T name[count]
#endif

// `#pragma unroll` for nvcc; nothing for a host compiler (the interpreted device), which does not
// know it.
#if defined(__CUDACC__)
#define RLLOSS_UNROLL _Pragma("unroll")
#else
#define RLLOSS_UNROLL
#endif
