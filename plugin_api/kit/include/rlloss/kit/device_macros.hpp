// Function attributes that let the per-token math compile for the CPU and, under nvcc, the GPU.
#pragma once

#if defined(__CUDACC__)
#define RLLOSS_HOST_DEVICE __host__ __device__
#define RLLOSS_ALWAYS_INLINE __host__ __device__ __forceinline__
#else
#define RLLOSS_HOST_DEVICE
#define RLLOSS_ALWAYS_INLINE inline __attribute__((always_inline))
#endif
