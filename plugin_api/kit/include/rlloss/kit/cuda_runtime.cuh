// The CUDA runtime as the pass uses it: errors as rlloss errors, the caller's device made current
// for a scope, and a stream-ordered scratch pool per device.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <rlloss/kit/error.hpp>
#include <string>

namespace rlloss::kit::cuda {

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

}  // namespace rlloss::kit::cuda
