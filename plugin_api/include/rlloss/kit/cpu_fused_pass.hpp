// The fused CPU pass: one read of the inputs, one write of the gradient, loss and metric terms
// accumulated on the way. Included once per instruction set by a plugin's kernel source, with
// RLLOSS_CPU_ISA naming the namespace (isa_generic, isa_avx2, isa_avx512) so the copies compiled
// with different -march flags never merge at link time.
//
// Determinism: the work is cut into fixed chunks of tokens, independent of the thread count; each
// chunk sums into 16 lanes in a fixed order and the chunks are reduced serially in order.
#pragma once

#ifndef RLLOSS_CPU_ISA
#error "define RLLOSS_CPU_ISA before including cpu_fused_pass.hpp"
#endif

#include <rlloss/kit/cpu_call.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/instance.hpp>

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace rlloss::kit::RLLOSS_CPU_ISA {

inline constexpr int kLanes = 16;
inline constexpr int64_t kChunkTokens = 16384;

template <class T>
struct RowPointers {
  const T* log_prob;
  const T* old_log_prob;
  const T* advantages;
  const T* is_weights;
  T* grad;
};

template <class Math, class T, class M, bool kUnit, bool kIsWeights>
RLLOSS_ALWAYS_INLINE void token_step(const typename Math::template Params<T>& params,
                                     const RowPointers<T>& p, const M* mask, const CpuCall& c,
                                     int64_t k, int lane, T weight, T* lane_loss,
                                     T (*lane_terms)[kLanes]) {
  const auto at = [k](int64_t stride) { return kUnit ? k : k * stride; };
  const bool on = mask[at(c.response_mask.col_stride)] != M(0);
  const auto token = Math::template token<T>(params, p.log_prob[at(c.log_prob.col_stride)],
                                             p.old_log_prob[at(c.old_log_prob.col_stride)],
                                             p.advantages[at(c.advantages.col_stride)]);
  const T is_weight = kIsWeights ? p.is_weights[at(c.is_weights.col_stride)] : T(1);
  p.grad[at(c.grad.col_stride)] = on ? token.dloss * is_weight * weight : T(0);
  lane_loss[lane] += on ? token.loss * is_weight : T(0);
  for (int m = 0; m < Math::kNumTerms; ++m) lane_terms[m][lane] += on ? token.terms[m] : T(0);
}

// Tokens [t0, t0 + n) of sequence b.
template <class Math, class T, class M, bool kUnit, bool kIsWeights>
void run_segment(const typename Math::template Params<T>& params, const CpuCall& c, int64_t b,
                 int64_t t0, int64_t n, double* sums) {
  constexpr int K = Math::kNumTerms;
  const auto row = [&](const MatrixView& v) {
    return reinterpret_cast<T*>(v.data) + b * v.row_stride + t0 * v.col_stride;
  };
  const RowPointers<T> p{row(c.log_prob), row(c.old_log_prob), row(c.advantages),
                         c.has_is_weights ? row(c.is_weights) : nullptr, row(c.grad)};
  const M* mask = reinterpret_cast<const M*>(c.response_mask.data) +
                  b * c.response_mask.row_stride + t0 * c.response_mask.col_stride;
  const T weight = static_cast<T>(c.row_weights[b]);
  T lane_loss[kLanes] = {};
  T lane_terms[K > 0 ? K : 1][kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int lane = 0; lane < kLanes; ++lane) {
      token_step<Math, T, M, kUnit, kIsWeights>(params, p, mask, c, i + lane, lane, weight,
                                                lane_loss, lane_terms);
    }
  }
  for (int lane = 0; i + lane < n; ++lane) {
    token_step<Math, T, M, kUnit, kIsWeights>(params, p, mask, c, i + lane, lane, weight,
                                              lane_loss, lane_terms);
  }
  double loss = 0;
  for (int lane = 0; lane < kLanes; ++lane) loss += lane_loss[lane];
  sums[0] += c.row_weights[b] * loss;
  for (int m = 0; m < K; ++m) {
    double term = 0;
    for (int lane = 0; lane < kLanes; ++lane) term += lane_terms[m][lane];
    sums[1 + m] += term;
  }
}

template <class Math, class T, class M, bool kUnit, bool kIsWeights>
void run_chunks(const Instance<Math>& instance, const CpuCall& c, double* sums) {
  constexpr int kSums = 1 + Math::kNumTerms;
  const int64_t total = c.rows * c.cols;
  const int64_t chunks = (total + kChunkTokens - 1) / kChunkTokens;
  std::vector<double> partial(static_cast<size_t>(chunks) * kSums, 0.0);
  const auto& params = instance.template params<T>();
  const int threads = c.num_threads > 0 ? c.num_threads : omp_get_max_threads();
#pragma omp parallel for schedule(static) num_threads(threads) if (chunks > 1)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const int64_t end = std::min(total, (chunk + 1) * kChunkTokens);
    int64_t position = chunk * kChunkTokens;
    while (position < end) {
      const int64_t b = position / c.cols;
      const int64_t t = position % c.cols;
      const int64_t n = std::min(c.cols - t, end - position);
      run_segment<Math, T, M, kUnit, kIsWeights>(params, c, b, t, n, &partial[chunk * kSums]);
      position += n;
    }
  }
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    for (int s = 0; s < kSums; ++s) sums[s] += partial[chunk * kSums + s];
  }
}

template <class Math, class T, class M>
void run_masked(const Instance<Math>& instance, const CpuCall& c, double* sums) {
  const bool unit = c.log_prob.col_stride == 1 && c.old_log_prob.col_stride == 1 &&
                    c.advantages.col_stride == 1 && c.response_mask.col_stride == 1 &&
                    c.grad.col_stride == 1 && (!c.has_is_weights || c.is_weights.col_stride == 1);
  if (unit) {
    c.has_is_weights ? run_chunks<Math, T, M, true, true>(instance, c, sums)
                     : run_chunks<Math, T, M, true, false>(instance, c, sums);
  } else {
    c.has_is_weights ? run_chunks<Math, T, M, false, true>(instance, c, sums)
                     : run_chunks<Math, T, M, false, false>(instance, c, sums);
  }
}

template <class Math, class T>
void run_typed(const Instance<Math>& instance, const CpuCall& c, double* sums) {
  switch (c.response_mask.dtype) {
    case Dtype::byte: return run_masked<Math, T, uint8_t>(instance, c, sums);
    case Dtype::float32: return run_masked<Math, T, float>(instance, c, sums);
    default: return run_masked<Math, T, double>(instance, c, sums);
  }
}

template <class Math>
void run(const void* instance, const CpuCall& c, double* sums) {
  const auto& typed = *static_cast<const Instance<Math>*>(instance);
  if (c.log_prob.dtype == Dtype::float32) {
    run_typed<Math, float>(typed, c, sums);
  } else {
    run_typed<Math, double>(typed, c, sums);
  }
}

}  // namespace rlloss::kit::RLLOSS_CPU_ISA

// Defines this instruction set's rlloss::kit::<isa>::cpu_kernel for one loss.
#define RLLOSS_DEFINE_CPU_KERNEL(MATH)                                                   \
  namespace rlloss::kit::RLLOSS_CPU_ISA {                                                \
  void cpu_kernel(const void* instance, const CpuCall& call, double* sums) {             \
    run<MATH>(instance, call, sums);                                                     \
  }                                                                                      \
  }
