// The row pre-pass over a row with unit strides, in registers: the same sums in the same order as
// the scalar pre-pass (row_log_ratio_mean, cpu_fused_pass.hpp), so the same value to the bit.
// Token t sums into lane t % kLanes in double, in column order; a register holds a few of the
// lanes (4 doubles on AVX2, 8 on AVX-512), so a group of kLanes tokens is a few registers.
#pragma once

#ifndef RLLOSS_CPU_ISA
#error "define RLLOSS_CPU_ISA before including cpu_vector_row_pass.hpp"
#endif

#include <cstdint>
#include <cstring>
#include <rlloss/kit/cpu_segment.hpp>
#include <rlloss/kit/cpu_vector_segment.hpp>
#include <rlloss/kit/simd.hpp>

namespace rlloss::kit::RLLOSS_CPU_ISA {

// One register of doubles, and its lane mask.
using DoubleRegister = VectorOf<double, kRegisterLanes<double>>::type;
using DoubleRegisterBits = VectorOf<int64_t, kRegisterLanes<double>>::type;

// kRegisterLanes<double> values from `from`, widened to double. Written with intrinsics: GCC 12
// splits __builtin_convertvector from float into halves that go through the stack. The AVX-512
// form names every lane in a zeroing mask (as register_min, kit/simd.hpp).
template <class T>
RLLOSS_ALWAYS_INLINE DoubleRegister load_as_double(const T* from) {
  if constexpr (sizeof(T) == 8) {
    DoubleRegister values;
    std::memcpy(&values, from, sizeof values);
    return values;
  } else {
#if defined(__AVX512F__)
    return reinterpret_cast<DoubleRegister>(_mm512_maskz_cvtps_pd(0xFF, _mm256_loadu_ps(from)));
#else
    return reinterpret_cast<DoubleRegister>(_mm256_cvtps_pd(_mm_loadu_ps(from)));
#endif
  }
}

// kRegisterLanes<double> mask entries (0 or 1, checked before the pass) as lanes of all ones or
// zero.
template <class M>
RLLOSS_ALWAYS_INLINE DoubleRegisterBits load_double_mask(const M* from) {
  if constexpr (sizeof(M) == 1) {
    return widen_bytes<DoubleRegisterBits>(from) > 0;
  } else {
    return load_as_double(from) != 0.0;
  }
}

// The masked mean of log_prob - old_log_prob over a row of `cols` tokens (0 for a row with no
// token). Masked tokens are dropped by a select, so NaN or inf there changes nothing.
template <class T, class M>
double vector_row_log_ratio_mean(const T* log_prob, const T* old_log_prob, const M* mask,
                                 int64_t cols) {
  constexpr int kWidth = kRegisterLanes<double>;
  constexpr int kRegisters = kLanes / kWidth;
  static_assert(kLanes % kWidth == 0, "the pre-pass's lanes fill whole registers");
  DoubleRegister sums[kRegisters] = {};
  DoubleRegister counts[kRegisters] = {};
  int64_t t = 0;
  for (; t + kLanes <= cols; t += kLanes) {
    unrolled<kRegisters>([&](auto r) {
      const int64_t k = t + r * kWidth;
      const DoubleRegister difference =
          load_as_double(log_prob + k) - load_as_double(old_log_prob + k);
      const DoubleRegisterBits on = load_double_mask(mask + k);
      sums[r] += on ? difference : DoubleRegister{};
      counts[r] += on ? DoubleRegister{} + 1.0 : DoubleRegister{};
    });
  }
  double lane_sums[kLanes];
  double lane_counts[kLanes];
  std::memcpy(lane_sums, sums, sizeof lane_sums);
  std::memcpy(lane_counts, counts, sizeof lane_counts);
  for (int lane = 0; t + lane < cols; ++lane) {
    const bool on = mask[t + lane] != M(0);
    const double difference =
        static_cast<double>(log_prob[t + lane]) - static_cast<double>(old_log_prob[t + lane]);
    lane_sums[lane] += on ? difference : 0.0;
    lane_counts[lane] += on ? 1.0 : 0.0;
  }
  return lane_mean(lane_sums, lane_counts);
}

}  // namespace rlloss::kit::RLLOSS_CPU_ISA
