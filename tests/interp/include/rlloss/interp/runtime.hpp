// The interpreted device's runtime: one device whose memory is host memory (so the sanitizers
// watch it), streams that queue work and run it when the host synchronises (so a host that reads
// results before synchronising reads stale memory, as on a GPU), a stream-ordered allocator, the
// last-error state, and faults a test can inject into allocation and launch. The CUDA names over
// it are in the stand-in <cuda_runtime.h>; the test controls (seed, faults, counts) at the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <rlloss/interp/kernel_context.hpp>
#include <tuple>
#include <type_traits>
#include <utility>

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorLaunchFailure = 719,
};

struct CUstream_st;
using cudaStream_t = CUstream_st*;
struct CUmemPoolHandle_st;
using cudaMemPool_t = CUmemPoolHandle_st*;

namespace rlloss::interp {

// A kernel launch as the stream queues it: every thread of every block runs `body`, which calls
// the kernel with its arguments, copied at launch as CUDA copies them.
struct LaunchRequest {
  const char* kernel;
  dim3 grid;
  dim3 block;
  size_t dynamic_shared_bytes;
};
cudaError_t enqueue_launch(cudaStream_t stream, const LaunchRequest& request,
                           std::function<void()> body);

// kernel<<<grid, block, shared, stream>>>(args...), named for reports.
template <class... Params, class... Args>
cudaError_t launch(const char* name, void (*kernel)(Params...), dim3 grid, dim3 block,
                   size_t dynamic_shared_bytes, cudaStream_t stream, Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args), "a kernel takes as many arguments");
  std::tuple<std::decay_t<Params>...> arguments(std::forward<Args>(args)...);
  return enqueue_launch(stream, {name, grid, block, dynamic_shared_bytes},
                        [kernel, arguments] { std::apply(kernel, arguments); });
}

// ---- test controls ---------------------------------------------------------------------------

// The seed of the thread orders: between barriers a block's runnable threads are picked in an
// order drawn from it, and the blocks of a grid run in an order drawn from it. Starts as
// RLLOSS_INTERP_SEED from the environment, else 1.
void set_schedule_seed(uint64_t seed);
uint64_t schedule_seed();

// Makes one call of a kind fail, as a full device or a bad launch would: the one after the next
// `after` calls of that kind, which succeed. `allocation` is a stream-ordered allocation
// (cudaMallocFromPoolAsync, the kit's scratch); `launch` a kernel launch.
enum class Fault { allocation, launch };
void inject_fault(Fault fault, int after = 0);
void clear_faults();

struct Statistics {
  uint64_t launches = 0;  // kernels run to the end
  uint64_t blocks = 0;
  uint64_t threads = 0;
  uint64_t schedules = 0;  // distinct seeds kernels ran under
};
Statistics statistics();

}  // namespace rlloss::interp
