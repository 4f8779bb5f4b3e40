// The stages of a compute call, sequenced once for every backend (CPU, CUDA, and the interpreted
// device that runs the CUDA backend's kernels on the CPU). plugin_api/DEVICE_STAGES.md says what a
// backend implements and how a stage is added.
//
//   1. row_lengths       masked tokens per row, and the check that the mask holds only 0 and 1
//   2. sequence_weights  N_tok, N_seq and each row's aggregation weight (kit/aggregation.hpp)
//   3. row_log_ratio     only for a loss and instance that use it (kit/token_math.hpp): each
//                        row's masked mean log-ratio
//   4. token_pass        one read of the inputs, one write of the gradient, per-block sums of the
//                        weighted loss and the metric terms
//   5. finalize          the per-block sums reduced in block order; the loss and metrics written
//
// The call was validated before (kit/validated_call.hpp). A backend supplies scratch memory, runs
// each stage, and reports errors: the CPU backend throws as soon as a check fails; the CUDA
// backend, which must not synchronise with the host, poisons the loss and metrics with NaN for a
// failed data check and throws for a runtime error when the call ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/token_math.hpp>
#include <rlloss/kit/type_dispatch.hpp>

namespace rlloss::kit {

// The call's scratch, laid out by the driver in one block of the backend's memory.
struct CallScratch {
  int64_t* lengths = nullptr;       // [rows] masked tokens per row
  double* weights = nullptr;        // [rows] each row's aggregation weight
  double* row_log_ratio = nullptr;  // [rows] the row pre-pass's values; null when skipped
  double* partials = nullptr;       // [blocks][1 + K] the token pass's per-block sums
  int64_t* local_tokens = nullptr;  // [1] this batch's N_tok
  uint32_t* flags = nullptr;        // [1] data checks that failed (kInvalid*)
  int64_t blocks = 0;               // how many blocks of partial sums the token pass writes
  int sums = 0;                     // 1 + K: the weighted loss and the K metric terms
};

inline constexpr uint32_t kInvalidMask = 1u;
inline constexpr uint32_t kInvalidGlobalCount = 2u;

// What the driver decided about a call before any stage runs, with the scratch's layout: each
// region's byte offset, written once here and added to the backend's memory by lay_out_scratch.
struct StagePlan {
  bool row_log_ratio = false;
  int64_t blocks = 0;
  int sums = 0;
  size_t lengths = 0, weights = 0, row_values = 0, partials = 0;
  size_t counters = 0;  // local_tokens and flags, which start at zero
  size_t counters_bytes = 0;
  size_t bytes = 0;
};

inline size_t scratch_align(size_t bytes) {
  return (bytes + 255) / 256 * 256;
}

template <class Math>
StagePlan plan_stages(const Instance<Math>& instance, const DeviceCall& call, int64_t blocks) {
  StagePlan plan;
  plan.row_log_ratio = kRowLogRatio<Math> && instance.row_log_ratio;
  plan.blocks = blocks;
  plan.sums = 1 + Math::kNumTerms;
  const size_t rows = static_cast<size_t>(call.rows);
  size_t at = 0;
  const auto take = [&at](size_t bytes) {
    const size_t here = at;
    at += scratch_align(bytes);
    return here;
  };
  plan.lengths = take(sizeof(int64_t) * rows);
  plan.weights = take(sizeof(double) * rows);
  plan.row_values = take(plan.row_log_ratio ? sizeof(double) * rows : 0);
  plan.partials = take(sizeof(double) * static_cast<size_t>(blocks) * plan.sums);
  plan.counters_bytes = scratch_align(sizeof(int64_t) + sizeof(uint32_t));
  plan.counters = take(plan.counters_bytes);
  plan.bytes = at;
  return plan;
}

inline CallScratch lay_out_scratch(const StagePlan& plan, void* memory) {
  char* base = static_cast<char*>(memory);
  CallScratch s;
  s.lengths = reinterpret_cast<int64_t*>(base + plan.lengths);
  s.weights = reinterpret_cast<double*>(base + plan.weights);
  if (plan.row_log_ratio) s.row_log_ratio = reinterpret_cast<double*>(base + plan.row_values);
  s.partials = reinterpret_cast<double*>(base + plan.partials);
  s.local_tokens = reinterpret_cast<int64_t*>(base + plan.counters);
  s.flags = reinterpret_cast<uint32_t*>(s.local_tokens + 1);
  s.blocks = plan.blocks;
  s.sums = plan.sums;
  return s;
}

// Runs every stage of `call` on `backend`. See plugin_api/DEVICE_STAGES.md for the Backend type.
template <class Math, class Backend>
void run_stages(const Instance<Math>& instance, const DeviceCall& call, Backend& backend) {
  const StagePlan plan = plan_stages(instance, call, backend.token_blocks(call));
  auto memory = backend.allocate(plan.bytes);
  const CallScratch scratch = lay_out_scratch(plan, memory.data());
  backend.zero(static_cast<char*>(memory.data()) + plan.counters, plan.counters_bytes);
  with_value_and_mask_types<typename Backend::ValueTypes>(
      call.log_prob.dtype, call.response_mask.dtype, [&](auto value, auto mask) {
        using T = typename decltype(value)::type;
        using M = typename decltype(mask)::type;
        backend.template row_lengths<M>(call, scratch);
        backend.sequence_weights(call, scratch);
        if (plan.row_log_ratio) backend.template row_log_ratio<T, M>(call, scratch);
        backend.template token_pass<Math, T, M>(instance, call, scratch);
      });
  backend.template finalize<Math>(call, scratch);
  backend.finish(memory);
}

}  // namespace rlloss::kit
