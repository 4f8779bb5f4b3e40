#include "flawed_kernels.hpp"

#include <rlloss/kit/device_macros.hpp>

namespace rlloss::interp::test {
namespace {

constexpr int kMaxThreads = 1024;

LaunchOutcome synchronise() {
  const cudaError_t status = cudaDeviceSynchronize();
  return {status, status == cudaSuccess ? "" : cudaGetErrorString(status)};
}

template <class... Params, class... Args>
LaunchOutcome run(const char* name, void (*kernel)(Params...), unsigned blocks, unsigned threads,
                  Args&&... args) {
  const cudaError_t launched = rlloss::interp::launch(name, kernel, dim3(blocks), dim3(threads), 0,
                                                      nullptr, std::forward<Args>(args)...);
  if (launched != cudaSuccess) return {launched, cudaGetErrorName(launched)};
  return synchronise();
}

__global__ void block_sum_kernel(bool with_barrier, const float* in, float* out) {
  RLLOSS_SHARED_ARRAY(float, values, kMaxThreads);
  values[threadIdx.x] = in[blockIdx.x * blockDim.x + threadIdx.x];
  if (with_barrier) __syncthreads();
  if (threadIdx.x == 0) {
    float sum = 0;
    for (unsigned t = 0; t < blockDim.x; ++t) sum += values[t];
    out[blockIdx.x] = sum;
  }
}

__global__ void one_word_kernel() {
  RLLOSS_SHARED_ARRAY(int, word, 1);
  word[0] = static_cast<int>(threadIdx.x);
}

__global__ void shared_shift_kernel(int shift) {
  RLLOSS_SHARED_ARRAY(float, values, 64);
  values[threadIdx.x + shift] = 1.0f;
}

__global__ void global_shift_kernel(int shift, float* out) {
  out[threadIdx.x + shift] = 1.0f;
}

__global__ void partial_write_kernel(bool all_write) {
  RLLOSS_SHARED_ARRAY(float, values, kMaxThreads);
  if (all_write || threadIdx.x % 2 == 0) values[threadIdx.x] = 2.0f;
  __syncthreads();
  const float mine = values[threadIdx.x];
  (void)mine;
}

__global__ void block_zero_writes_kernel() {
  RLLOSS_SHARED_ARRAY(float, value, 1);
  if (blockIdx.x == 0 && threadIdx.x == 0) value[0] = 1.0f;
  __syncthreads();
  const float seen = value[0];
  (void)seen;
}

__global__ void divergent_shuffle_kernel(unsigned active_lanes, float* out) {
  float v = static_cast<float>(threadIdx.x);
  if (threadIdx.x % 32 < active_lanes) v = __shfl_down_sync(0xffffffffu, v, 1);
  __syncthreads();
  out[threadIdx.x] = v;
}

__global__ void exited_lane_kernel(float* out) {
  if (threadIdx.x >= 16) return;
  out[threadIdx.x] = __shfl_down_sync(0xffffffffu, static_cast<float>(threadIdx.x), 1);
}

__global__ void barrier_branch_kernel(unsigned reaching, bool two_barriers) {
  if (threadIdx.x < reaching) {
    __syncthreads();
  } else if (two_barriers) {
    __syncthreads();
  }
}

__global__ void thread_order_kernel(int* order, unsigned* counter) {
  const unsigned slot = atomicAdd(counter, 1u);
  order[slot] = static_cast<int>(threadIdx.x);
}

__global__ void warp_votes_kernel(unsigned* ballots, float* xor_sums) {
  const unsigned lane = threadIdx.x % 32;
  ballots[threadIdx.x] = __ballot_sync(0xffffffffu, lane % 3 == 0);
  float v = static_cast<float>(lane);
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  xor_sums[threadIdx.x] = v;
}

}  // namespace

LaunchOutcome block_sums(bool with_barrier, const float* in, float* out, unsigned blocks,
                         unsigned threads) {
  return run("block_sum", block_sum_kernel, blocks, threads, with_barrier, in, out);
}
LaunchOutcome every_thread_writes_one_word(unsigned threads) {
  return run("one_word", one_word_kernel, 1, threads);
}
LaunchOutcome shared_write_shifted(int shift, unsigned threads) {
  return run("shared_shift", shared_shift_kernel, 1, threads, shift);
}
LaunchOutcome global_write_shifted(int shift, float* out, unsigned threads) {
  return run("global_shift", global_shift_kernel, 1, threads, shift, out);
}
LaunchOutcome read_after_partial_write(bool all_write, unsigned threads) {
  return run("partial_write", partial_write_kernel, 1, threads, all_write);
}
LaunchOutcome read_what_block_zero_wrote(unsigned blocks) {
  return run("block_zero_writes", block_zero_writes_kernel, blocks, 32);
}
LaunchOutcome divergent_shuffle(unsigned active_lanes, float* out) {
  return run("divergent_shuffle", divergent_shuffle_kernel, 1, 64, active_lanes, out);
}
LaunchOutcome shuffle_from_exited_lane(float* out) {
  return run("exited_lane", exited_lane_kernel, 1, 32, out);
}
LaunchOutcome barrier_in_branch(unsigned reaching, bool two_barriers, unsigned threads) {
  return run("barrier_branch", barrier_branch_kernel, 1, threads, reaching, two_barriers);
}
LaunchOutcome record_thread_order(int* order, unsigned* counter, unsigned threads) {
  return run("thread_order", thread_order_kernel, 1, threads, order, counter);
}
LaunchOutcome warp_votes(unsigned* ballots, float* xor_sums) {
  return run("warp_votes", warp_votes_kernel, 1, 64, ballots, xor_sums);
}

}  // namespace rlloss::interp::test
