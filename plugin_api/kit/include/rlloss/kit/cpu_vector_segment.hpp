// The CPU pass over one row segment with unit strides, for a Math type whose token() is written
// for vectors too (`static constexpr bool kVectorToken = true`): one Vec<T> of tokens at a time
// (kit/simd.hpp: two registers, 8 to 32 tokens), the per-lane sums of the loss and the metric
// terms kept in registers. The staged loop of cpu_fused_pass.hpp (run_segment) writes every value
// of every token to a block buffer and reads it back to sum it; this one does neither. Its lanes
// are one register wide (16 floats on AVX-512, 8 on AVX2), the staged loop's 16: the two agree
// to rounding, and each is the same at any thread count. A two-stage Math (kTwoStageToken,
// token_math.hpp) runs as a software pipeline, start() one step ahead of finish(): the same
// operations, so the same values, in an order the core overlaps better (256K float32 tokens, one
// Zen 5 core, the kernel alone: sapo 1.18-1.26x, ppo_clip 1.15-1.21x, cispo 1.04-1.16x faster).
#pragma once

#ifndef RLLOSS_CPU_ISA
#error "define RLLOSS_CPU_ISA before including cpu_vector_segment.hpp"
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <rlloss/kit/cpu_segment.hpp>
#include <rlloss/kit/simd.hpp>
#include <rlloss/kit/token_math.hpp>
#include <type_traits>
#include <utility>

namespace rlloss::kit::RLLOSS_CPU_ISA {

// One step's tokens, Vec<T>::kLanes of them (8 to 32): every pointer addresses that many
// values; `grad` receives the gradient (0 where masked).
template <class T, class M>
struct TokenGroup {
  const T* log_prob;
  const T* old_log_prob;
  const T* advantages;
  const T* is_weights;  // unread without IS weights
  const M* mask;
  T* grad;
};

// The step of segment `s` that starts at token j.
template <class T, class M, bool kIsWeights>
RLLOSS_ALWAYS_INLINE TokenGroup<T, M> token_group(const Segment<T, M>& s, int64_t j) {
  return {s.log_prob + j,   s.old_log_prob + j,
          s.advantages + j, kIsWeights ? s.is_weights + j : nullptr,
          s.mask + j,       s.grad + j};
}

// Token j of a segment sums into lane j % kRegisterLanes<T>, in token order: one register per
// value, so that sapo's ten sums stay in registers on AVX2 too (16 ymm registers).
template <class T>
using LaneSums = typename Vec<T>::Native;

// Adds the unmasked lanes of `value` to the sums, its first register before its second.
template <class T>
RLLOSS_ALWAYS_INLINE void add_unmasked(VecMask<T> on, Vec<T> value, LaneSums<T>& sums) {
  using Native = typename Vec<T>::Native;
  sums += on.lo ? value.lo : Native{};
  sums += on.hi ? value.hi : Native{};
}

// Calls f(std::integral_constant<int, i>()) for i = 0 .. N-1, unrolled in the source: indexed by
// constants, the sums stay in registers, where a loop over them could leave the array in memory.
template <class F, int... I>
RLLOSS_ALWAYS_INLINE void unrolled(F f, std::integer_sequence<int, I...>) {
  (f(std::integral_constant<int, I>()), ...);
}
template <int N, class F>
RLLOSS_ALWAYS_INLINE void unrolled(F f) {
  unrolled(f, std::make_integer_sequence<int, N>());
}

// How far ahead of the step being computed the vector loop asks for its inputs. The likely reason
// it pays: sapo's token math keeps the core's window full of arithmetic, so the loads of later
// steps issue late and the hardware prefetchers fall behind. Measured: at 4M float32 tokens on one
// Zen 5 core sapo's AVX-512 loop ran at 12.4-13.0 GB/s without software prefetch and 18.5-19.7 with
// it, 512 tokens ahead (17.8 at 2048; bench/results/cpu_speed_2026-12-03.txt).
inline constexpr int64_t kPrefetchTokens = 512;

// Asks for the cache lines of the kBytes bytes that start kPrefetchTokens values after values[j].
// A prefetch never faults, and the address is formed as an integer, so one past the row (or the
// tensor) is harmless. Written as a generic lambda taking the byte count as an argument, GCC 12
// emitted none of the prefetches.
template <int64_t kBytes, class V>
RLLOSS_ALWAYS_INLINE void prefetch_ahead(const V* values, int64_t j) {
  const uintptr_t first = reinterpret_cast<uintptr_t>(values) + (j + kPrefetchTokens) * sizeof(V);
  for (int64_t offset = 0; offset < kBytes; offset += 64) {
    __builtin_prefetch(reinterpret_cast<const void*>(first + offset));
  }
}

// The inputs of the step kPrefetchTokens after token j.
template <class T, class M, bool kIsWeights>
RLLOSS_ALWAYS_INLINE void prefetch_inputs(const Segment<T, M>& s, int64_t j) {
  constexpr int64_t kStepBytes = Vec<T>::kLanes * static_cast<int64_t>(sizeof(T));
  constexpr int64_t kMaskBytes = Vec<T>::kLanes * static_cast<int64_t>(sizeof(M));
  prefetch_ahead<kStepBytes>(s.log_prob, j);
  prefetch_ahead<kStepBytes>(s.old_log_prob, j);
  prefetch_ahead<kStepBytes>(s.advantages, j);
  if constexpr (kIsWeights) prefetch_ahead<kStepBytes>(s.is_weights, j);
  prefetch_ahead<kMaskBytes>(s.mask, j);
}

// A step's outputs from its token values: the gradient (streamed with kStream, stored otherwise),
// and the weighted loss and the terms of each unmasked token added to its lanes.
template <class Math, class T, class M, bool kIsWeights, bool kStream, class Token>
RLLOSS_ALWAYS_INLINE void store_step(const Token& token, Vec<T> weight, const TokenGroup<T, M>& g,
                                     LaneSums<T> (&lanes)[1 + Math::kNumTerms]) {
  using V = Vec<T>;
  const VecMask<T> on = load_mask<T>(g.mask);
  const V is_weight = kIsWeights ? V::load(g.is_weights) : V(1);
  const V grad = select(on, token.dloss * is_weight * weight, V(0));
  if constexpr (kStream) {
    grad.stream(g.grad);
  } else {
    grad.store(g.grad);
  }
  add_unmasked(on, token.loss * is_weight, lanes[0]);
  unrolled<Math::kNumTerms>([&](auto t) { add_unmasked(on, token.terms[t], lanes[1 + t]); });
}

// One step, its token math and its outputs.
template <class Math, class T, class M, bool kIsWeights, bool kStream>
RLLOSS_ALWAYS_INLINE void vector_step(const typename Math::template Params<Vec<T>>& params,
                                      Vec<T> row_log_ratio, Vec<T> weight,
                                      const TokenGroup<T, M>& g,
                                      LaneSums<T> (&lanes)[1 + Math::kNumTerms]) {
  using V = Vec<T>;
  const auto token = call_token<Math, V>(params, V::load(g.log_prob), V::load(g.old_log_prob),
                                         V::load(g.advantages), row_log_ratio);
  store_step<Math, T, M, kIsWeights, kStream>(token, weight, g, lanes);
}

// The whole steps of a segment, as a software pipeline for a two-stage Math (token_math.hpp):
// each iteration runs start() of the next step and finish() of this one, two independent
// dependency chains the core overlaps. Returns the tokens done.
template <class Math, class T, class M, bool kIsWeights, bool kStream>
RLLOSS_ALWAYS_INLINE int64_t pipelined_steps(const typename Math::template Params<Vec<T>>& params,
                                             const Segment<T, M>& s, Vec<T> row_log_ratio,
                                             Vec<T> weight, int64_t n,
                                             LaneSums<T> (&lanes)[1 + Math::kNumTerms]) {
  using V = Vec<T>;
  constexpr int kStep = V::kLanes;
  if (n < kStep) return 0;
  const auto start = [&](int64_t j) {
    return call_start<Math, V>(params, V::load(s.log_prob + j), V::load(s.old_log_prob + j),
                               V::load(s.advantages + j), row_log_ratio);
  };
  const auto group = [&](int64_t j) { return token_group<T, M, kIsWeights>(s, j); };
  auto started = start(0);
  int64_t j = 0;
  for (; j + 2 * kStep <= n; j += kStep) {
    prefetch_inputs<T, M, kIsWeights>(s, j);
    const auto next = start(j + kStep);
    store_step<Math, T, M, kIsWeights, kStream>(Math::template finish<V>(params, started), weight,
                                                group(j), lanes);
    started = next;
  }
  store_step<Math, T, M, kIsWeights, kStream>(Math::template finish<V>(params, started), weight,
                                              group(j), lanes);
  return j + kStep;
}

// Every whole step of a segment; returns the tokens done.
template <class Math, class T, class M, bool kIsWeights, bool kStream>
int64_t whole_steps(const typename Math::template Params<Vec<T>>& params, const Segment<T, M>& s,
                    Vec<T> row_log_ratio, Vec<T> weight, int64_t n,
                    LaneSums<T> (&lanes)[1 + Math::kNumTerms]) {
  constexpr int kStep = Vec<T>::kLanes;
  int64_t j = 0;
  if constexpr (kTwoStageToken<Math>) {
    j = pipelined_steps<Math, T, M, kIsWeights, kStream>(params, s, row_log_ratio, weight, n,
                                                         lanes);
  }
  for (; j + kStep <= n; j += kStep) {
    prefetch_inputs<T, M, kIsWeights>(s, j);
    vector_step<Math, T, M, kIsWeights, kStream>(params, row_log_ratio, weight,
                                                 token_group<T, M, kIsWeights>(s, j), lanes);
  }
  return j;
}

// `stream_grad`: write the gradient with non-temporal stores (Vec::stream), where the segment's
// gradient starts on a register boundary (each step then stays on one). The caller fences them
// (_mm_sfence) once a chunk, not once a segment: with rows of a few dozen tokens that would be a
// fence every row.
template <class Math, class T, class M, bool kIsWeights>
void run_vector_segment(const typename Math::template Params<Vec<T>>& params, const CpuCall& c,
                        int64_t b, int64_t t0, int64_t n, bool stream_grad, double* sums) {
  using V = Vec<T>;
  constexpr int kValues = 1 + Math::kNumTerms;
  constexpr int kStep = V::kLanes;
  const Segment<T, M> s = make_segment<T, M>(c, b, t0);
  const V row_log_ratio(s.row_log_ratio);
  const V weight(static_cast<T>(c.row_weights[b]));
  LaneSums<T> lanes[kValues] = {};
  const bool stream = stream_grad && is_register_aligned(s.grad);
  int64_t j =
      stream
          ? whole_steps<Math, T, M, kIsWeights, true>(params, s, row_log_ratio, weight, n, lanes)
          : whole_steps<Math, T, M, kIsWeights, false>(params, s, row_log_ratio, weight, n, lanes);
  if (j < n) {
    // The last tokens, fewer than a step: copied into zero-padded buffers whose extra slots are
    // masked, so no read goes past the row.
    const int64_t m = n - j;
    T log_prob[kStep] = {}, old_log_prob[kStep] = {}, advantages[kStep] = {},
      is_weights[kStep] = {}, grad[kStep];
    M mask[kStep] = {};
    std::copy(s.log_prob + j, s.log_prob + n, log_prob);
    std::copy(s.old_log_prob + j, s.old_log_prob + n, old_log_prob);
    std::copy(s.advantages + j, s.advantages + n, advantages);
    if (kIsWeights) std::copy(s.is_weights + j, s.is_weights + n, is_weights);
    std::copy(s.mask + j, s.mask + n, mask);
    const TokenGroup<T, M> g{log_prob, old_log_prob, advantages, is_weights, mask, grad};
    vector_step<Math, T, M, kIsWeights, false>(params, row_log_ratio, weight, g, lanes);
    std::copy(grad, grad + m, s.grad + j);
  }
  T lane_values[kValues][kRegisterLanes<T>];
  std::memcpy(lane_values, lanes, sizeof lane_values);
  add_lane_sums(lane_values, c.row_weights[b], sums);
}

}  // namespace rlloss::kit::RLLOSS_CPU_ISA
