// Kernels with the flaws a GPU hides and the interpreted device must report, each beside its
// correct form (tests/interp/test/detection_test.cpp). Compiled as C++ for the interpreted device.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

namespace rlloss::interp::test {

// What a launch of `kernel` reported at the next synchronisation: empty when it ran clean.
struct LaunchOutcome {
  cudaError_t status;
  std::string report;
};

// Block sums of `in` (threads * blocks values) into out[blocks], through shared memory.
LaunchOutcome block_sums(bool with_barrier, const float* in, float* out, unsigned blocks,
                         unsigned threads);
// Every thread writes shared[0]: a write-write race.
LaunchOutcome every_thread_writes_one_word(unsigned threads);
// Each thread writes shared[tid + shift] of a threads-long array; shift 1 is off by one.
LaunchOutcome shared_write_shifted(int shift, unsigned threads);
// Each thread writes out[tid + shift] of a threads-long global array; shift 1 is off by one.
LaunchOutcome global_write_shifted(int shift, float* out, unsigned threads);
// Thread t reads shared[t] after a barrier; only even threads wrote theirs when `all_write` is off.
LaunchOutcome read_after_partial_write(bool all_write, unsigned threads);
// A block-0-only write of shared memory, read by every block: fresh shared memory per block.
LaunchOutcome read_what_block_zero_wrote(unsigned blocks);
// __shfl_down_sync over the full mask from lanes < `active_lanes` only, then a barrier.
LaunchOutcome divergent_shuffle(unsigned active_lanes, float* out);
// A shuffle whose lanes 16..31 returned before it: lane 15 reads lane 16, which has exited.
LaunchOutcome shuffle_from_exited_lane(float* out);
// __syncthreads() inside `if (threadIdx.x < reaching)`; with two_barriers, the else branch has
// one of its own.
LaunchOutcome barrier_in_branch(unsigned reaching, bool two_barriers, unsigned threads);
// Each thread appends its index to `order` through an atomic counter: the order threads ran in.
LaunchOutcome record_thread_order(int* order, unsigned* counter, unsigned threads);
// __ballot_sync and __shfl_xor_sync results of a full warp, written per lane.
LaunchOutcome warp_votes(unsigned* ballots, float* xor_sums);

}  // namespace rlloss::interp::test
