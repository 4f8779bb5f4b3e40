// The interpreted device's stand-in for CUDA's <cuda_runtime.h>: the part of the runtime API the
// kit and the tests use, over rlloss/interp/runtime.hpp, and the kernel-side names over
// rlloss/interp/kernel_context.hpp. Compiling a .cu file as C++ with this folder first on the
// include path runs its kernels on the interpreted device (tests/interp/README.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <rlloss/interp/kernel_context.hpp>
#include <rlloss/interp/runtime.hpp>

#define RLLOSS_INTERPRETED_DEVICE 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};
enum cudaMemAllocationType { cudaMemAllocationTypeInvalid = 0, cudaMemAllocationTypePinned = 1 };
enum cudaMemLocationType { cudaMemLocationTypeInvalid = 0, cudaMemLocationTypeDevice = 1 };
enum cudaMemPoolAttr { cudaMemPoolAttrReleaseThreshold = 4 };
enum cudaDeviceAttr { cudaDevAttrClockRate = 13, cudaDevAttrMultiProcessorCount = 16 };
inline constexpr unsigned cudaStreamDefault = 0;
inline constexpr unsigned cudaStreamNonBlocking = 1;

struct cudaMemLocation {
  cudaMemLocationType type;
  int id;
};
struct cudaMemPoolProps {
  cudaMemAllocationType allocType;
  int handleTypes;
  cudaMemLocation location;
  void* win32SecurityAttributes;
  size_t maxSize;
  unsigned short usage;
  unsigned char reserved[54];
};

namespace rlloss::interp::api {
const char* error_name(cudaError_t error);
const char* error_string(cudaError_t error);
cudaError_t get_last_error(bool clear);
cudaError_t device_count(int* count);
cudaError_t get_device(int* device);
cudaError_t set_device(int device);
cudaError_t device_attribute(int* value, cudaDeviceAttr attribute, int device);
cudaError_t malloc_device(void** pointer, size_t bytes);
cudaError_t free_device(void* pointer);
cudaError_t memcpy_sync(void* destination, const void* source, size_t bytes);
cudaError_t memset_sync(void* destination, int value, size_t bytes);
cudaError_t memset_async(void* destination, int value, size_t bytes, cudaStream_t stream);
cudaError_t pool_create(cudaMemPool_t* pool, const cudaMemPoolProps* props);
cudaError_t pool_set_release_threshold(cudaMemPool_t pool, const void* value);
cudaError_t malloc_from_pool_async(void** pointer, size_t bytes, cudaMemPool_t pool,
                                   cudaStream_t stream);
cudaError_t free_async(void* pointer, cudaStream_t stream);
cudaError_t stream_create(cudaStream_t* stream, unsigned flags);
cudaError_t stream_destroy(cudaStream_t stream);
cudaError_t stream_synchronize(cudaStream_t stream);
cudaError_t stream_query(cudaStream_t stream);
cudaError_t device_synchronize();
}  // namespace rlloss::interp::api

inline const char* cudaGetErrorName(cudaError_t e) {
  return rlloss::interp::api::error_name(e);
}
// For a kernel's fault, the report of the last one this host thread was told about.
inline const char* cudaGetErrorString(cudaError_t e) {
  return rlloss::interp::api::error_string(e);
}
inline cudaError_t cudaGetLastError() {
  return rlloss::interp::api::get_last_error(true);
}
inline cudaError_t cudaPeekAtLastError() {
  return rlloss::interp::api::get_last_error(false);
}
inline cudaError_t cudaGetDeviceCount(int* count) {
  return rlloss::interp::api::device_count(count);
}
inline cudaError_t cudaGetDevice(int* device) {
  return rlloss::interp::api::get_device(device);
}
inline cudaError_t cudaSetDevice(int device) {
  return rlloss::interp::api::set_device(device);
}
inline cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device) {
  return rlloss::interp::api::device_attribute(value, attribute, device);
}
inline cudaError_t cudaMalloc(void** pointer, size_t bytes) {
  return rlloss::interp::api::malloc_device(pointer, bytes);
}
template <class T>
cudaError_t cudaMalloc(T** pointer, size_t bytes) {
  return rlloss::interp::api::malloc_device(reinterpret_cast<void**>(pointer), bytes);
}
inline cudaError_t cudaFree(void* pointer) {
  return rlloss::interp::api::free_device(pointer);
}
inline cudaError_t cudaMemcpy(void* destination, const void* source, size_t bytes, cudaMemcpyKind) {
  return rlloss::interp::api::memcpy_sync(destination, source, bytes);
}
inline cudaError_t cudaMemset(void* destination, int value, size_t bytes) {
  return rlloss::interp::api::memset_sync(destination, value, bytes);
}
inline cudaError_t cudaMemsetAsync(void* destination, int value, size_t bytes,
                                   cudaStream_t stream = nullptr) {
  return rlloss::interp::api::memset_async(destination, value, bytes, stream);
}
inline cudaError_t cudaMemPoolCreate(cudaMemPool_t* pool, const cudaMemPoolProps* props) {
  return rlloss::interp::api::pool_create(pool, props);
}
inline cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t pool, cudaMemPoolAttr attribute,
                                           void* value) {
  return attribute == cudaMemPoolAttrReleaseThreshold
             ? rlloss::interp::api::pool_set_release_threshold(pool, value)
             : cudaErrorInvalidValue;
}
inline cudaError_t cudaMallocFromPoolAsync(void** pointer, size_t bytes, cudaMemPool_t pool,
                                           cudaStream_t stream) {
  return rlloss::interp::api::malloc_from_pool_async(pointer, bytes, pool, stream);
}
inline cudaError_t cudaFreeAsync(void* pointer, cudaStream_t stream) {
  return rlloss::interp::api::free_async(pointer, stream);
}
inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags) {
  return rlloss::interp::api::stream_create(stream, flags);
}
inline cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  return rlloss::interp::api::stream_create(stream, cudaStreamDefault);
}
inline cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  return rlloss::interp::api::stream_destroy(stream);
}
inline cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  return rlloss::interp::api::stream_synchronize(stream);
}
inline cudaError_t cudaStreamQuery(cudaStream_t stream) {
  return rlloss::interp::api::stream_query(stream);
}
inline cudaError_t cudaDeviceSynchronize() {
  return rlloss::interp::api::device_synchronize();
}
