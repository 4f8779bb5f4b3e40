// One row segment of a CPU call: the pointers and strides the token loops read, and how their
// per-lane sums reach the call's sums. Shared by the staged loop (cpu_fused_pass.hpp) and the
// vector loop (cpu_vector_segment.hpp); compiled once per instruction set, as they are.
#pragma once

#ifndef RLLOSS_CPU_ISA
#error "define RLLOSS_CPU_ISA before including cpu_segment.hpp"
#endif

#include <cstdint>
#include <rlloss/kit/cpu_call.hpp>

namespace rlloss::kit::RLLOSS_CPU_ISA {

// The staged loop's lanes: token j of a segment sums into lane j % kLanes, in token order, so the
// sums do not depend on how wide the vectors are that the compiler picks, nor on the thread count.
inline constexpr int kLanes = 16;

// One row's slice of every tensor; the column strides are copied out of the CpuCall so the
// compiler sees they cannot change when the gradient is stored.
template <class T, class M>
struct Segment {
  T row_log_ratio;  // the row pre-pass's value for this row (0 when the loss does not use it)
  const T* log_prob;
  const T* old_log_prob;
  const T* advantages;
  const T* is_weights;
  const M* mask;
  T* grad;
  int64_t log_prob_stride, old_log_prob_stride, advantages_stride, is_weights_stride, mask_stride,
      grad_stride;
};

// Row b's slice of every tensor, from column t0 on.
template <class T, class M>
Segment<T, M> make_segment(const CpuCall& c, int64_t b, int64_t t0) {
  const auto row = [&](const MatrixView& v) {
    return reinterpret_cast<T*>(v.data) + b * v.row_stride + t0 * v.col_stride;
  };
  return {c.row_log_ratio ? static_cast<T>(c.row_log_ratio[b]) : T(0),
          row(c.log_prob),
          row(c.old_log_prob),
          row(c.advantages),
          c.has_is_weights ? row(c.is_weights) : nullptr,
          reinterpret_cast<const M*>(c.response_mask.data) + b * c.response_mask.row_stride +
              t0 * c.response_mask.col_stride,
          row(c.grad),
          c.log_prob.col_stride,
          c.old_log_prob.col_stride,
          c.advantages.col_stride,
          c.is_weights.col_stride,
          c.response_mask.col_stride,
          c.grad.col_stride};
}

// Adds a segment's per-lane sums to `sums`: lane order, in double, the loss weighted by the row's
// weight.
template <int kValues, int kCount, class T>
void add_lane_sums(const T (&lanes)[kValues][kCount], double row_weight, double* sums) {
  for (int v = 0; v < kValues; ++v) {
    double total = 0;
    for (int lane = 0; lane < kCount; ++lane) total += lanes[v][lane];
    sums[v] += v == 0 ? row_weight * total : total;
  }
}

// The row pre-pass's masked mean from its lanes (a sum and a token count each), added in lane
// order; 0 for a row with no token.
inline double lane_mean(const double (&sums)[kLanes], const double (&counts)[kLanes]) {
  double sum = 0;
  double count = 0;
  for (int lane = 0; lane < kLanes; ++lane) {
    sum += sums[lane];
    count += counts[lane];
  }
  return count > 0 ? sum / count : 0.0;
}

}  // namespace rlloss::kit::RLLOSS_CPU_ISA
