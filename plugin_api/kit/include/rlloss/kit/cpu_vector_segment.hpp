// The CPU pass over one row segment with unit strides, for a Math type whose token() is written
// for vectors too (`static constexpr bool kVectorToken = true`): kLanes tokens at a time in
// registers (kit/simd.hpp), the per-lane sums of the loss and the metric terms kept in registers.
// The staged loop of cpu_fused_pass.hpp (run_segment) writes every value of every token to a
// block buffer and reads it back to sum it; this one does neither. Token j of the segment still
// sums into lane j % kLanes in token order: both loops add in the same order.
#pragma once

#ifndef RLLOSS_CPU_ISA
#error "define RLLOSS_CPU_ISA before including cpu_vector_segment.hpp"
#endif

#include <algorithm>
#include <cstdint>
#include <rlloss/kit/cpu_segment.hpp>
#include <rlloss/kit/simd.hpp>
#include <rlloss/kit/token_math.hpp>
#include <type_traits>
#include <utility>

namespace rlloss::kit::RLLOSS_CPU_ISA {

template <class Math, class = void>
inline constexpr bool kVectorToken = false;
template <class Math>
inline constexpr bool kVectorToken<Math, std::void_t<decltype(Math::kVectorToken)>> =
    Math::kVectorToken;

// One group of kLanes tokens: every pointer addresses kLanes values; `grad` receives the gradient
// (0 where masked).
template <class T, class M>
struct TokenGroup {
  const T* log_prob;
  const T* old_log_prob;
  const T* advantages;
  const T* is_weights;  // unread without IS weights
  const M* mask;
  T* grad;
};

template <class Math, class T>
using VectorLanes = Vec<T>[1 + Math::kNumTerms][kLanes / Vec<T>::kLanes];

// Register kPart of a group: its gradient, and the weighted loss and the terms of each unmasked
// token added to its lanes.
template <class Math, class T, class M, bool kIsWeights, int kPart>
RLLOSS_ALWAYS_INLINE void vector_part(const typename Math::template Params<Vec<T>>& params,
                                      Vec<T> row_log_ratio, Vec<T> weight,
                                      const TokenGroup<T, M>& g, VectorLanes<Math, T>& lanes) {
  using V = Vec<T>;
  constexpr int offset = kPart * V::kLanes;
  const VecMask<T> on = load_mask<T>(g.mask + offset);
  const auto token =
      call_token<Math, V>(params, V::load(g.log_prob + offset), V::load(g.old_log_prob + offset),
                          V::load(g.advantages + offset), row_log_ratio);
  const V is_weight = kIsWeights ? V::load(g.is_weights + offset) : V(1);
  select(on, token.dloss * is_weight * weight, V(0)).store(g.grad + offset);
  lanes[0][kPart] = lanes[0][kPart] + select(on, token.loss * is_weight, V(0));
  for (int t = 0; t < Math::kNumTerms; ++t) {
    lanes[1 + t][kPart] = lanes[1 + t][kPart] + select(on, token.terms[t], V(0));
  }
}

// Every register of a group, unrolled so that `lanes` stays in registers.
template <class Math, class T, class M, bool kIsWeights, int... kPart>
RLLOSS_ALWAYS_INLINE void vector_group(const typename Math::template Params<Vec<T>>& params,
                                       Vec<T> row_log_ratio, Vec<T> weight,
                                       const TokenGroup<T, M>& g, VectorLanes<Math, T>& lanes,
                                       std::integer_sequence<int, kPart...>) {
  (vector_part<Math, T, M, kIsWeights, kPart>(params, row_log_ratio, weight, g, lanes), ...);
}

template <class Math, class T, class M, bool kIsWeights>
void run_vector_segment(const typename Math::template Params<Vec<T>>& params, const CpuCall& c,
                        int64_t b, int64_t t0, int64_t n, double* sums) {
  using V = Vec<T>;
  constexpr int kValues = 1 + Math::kNumTerms;
  constexpr int kParts = kLanes / V::kLanes;
  const Segment<T, M> s = make_segment<T, M>(c, b, t0);
  const V row_log_ratio(s.row_log_ratio);
  const V weight(static_cast<T>(c.row_weights[b]));
  VectorLanes<Math, T> lanes;
  for (auto& value : lanes) {
    for (auto& part : value) part = V(0);
  }
  constexpr auto kPartIndices = std::make_integer_sequence<int, kParts>{};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    const TokenGroup<T, M> g{s.log_prob + j,   s.old_log_prob + j,
                             s.advantages + j, kIsWeights ? s.is_weights + j : nullptr,
                             s.mask + j,       s.grad + j};
    vector_group<Math, T, M, kIsWeights>(params, row_log_ratio, weight, g, lanes, kPartIndices);
  }
  if (j < n) {
    // The last tokens, fewer than kLanes: copied into zero-padded buffers whose extra slots are
    // masked, so no read goes past the row.
    const int64_t m = n - j;
    T log_prob[kLanes] = {}, old_log_prob[kLanes] = {}, advantages[kLanes] = {},
      is_weights[kLanes] = {}, grad[kLanes];
    M mask[kLanes] = {};
    std::copy(s.log_prob + j, s.log_prob + n, log_prob);
    std::copy(s.old_log_prob + j, s.old_log_prob + n, old_log_prob);
    std::copy(s.advantages + j, s.advantages + n, advantages);
    if (kIsWeights) std::copy(s.is_weights + j, s.is_weights + n, is_weights);
    std::copy(s.mask + j, s.mask + n, mask);
    const TokenGroup<T, M> g{log_prob, old_log_prob, advantages, is_weights, mask, grad};
    vector_group<Math, T, M, kIsWeights>(params, row_log_ratio, weight, g, lanes, kPartIndices);
    std::copy(grad, grad + m, s.grad + j);
  }
  T lane_values[kValues][kLanes];
  for (int v = 0; v < kValues; ++v) {
    for (int part = 0; part < kParts; ++part)
      lanes[v][part].store(lane_values[v] + part * V::kLanes);
  }
  add_lane_sums(lane_values, c.row_weights[b], sums);
}

}  // namespace rlloss::kit::RLLOSS_CPU_ISA
