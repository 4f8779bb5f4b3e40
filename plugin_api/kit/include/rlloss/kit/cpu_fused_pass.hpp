// The fused CPU pass: one read of the inputs, one write of the gradient, loss and metric terms
// accumulated on the way. Included once per instruction set by a plugin's kernel source, with
// RLLOSS_CPU_ISA naming the namespace (isa_generic, isa_avx2, isa_avx512) so the copies compiled
// with different -march flags never merge at link time.
//
// Two token loops: on the AVX2 and AVX-512 builds, rows with unit strides of a Math type that
// declares kVectorToken run in registers (cpu_vector_segment.hpp); everything else runs the staged
// loop below (run_segment), which the compiler vectorises. Both run the same operations; they sum
// into lanes of different widths, so they agree to rounding.
//
// Determinism: the work is cut into fixed chunks of tokens, independent of the thread count; each
// row segment of a chunk sums into a fixed number of lanes in a fixed order and the chunks are
// reduced serially in order.
#pragma once

#ifndef RLLOSS_CPU_ISA
#error "define RLLOSS_CPU_ISA before including cpu_fused_pass.hpp"
#endif

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <rlloss/kit/cpu_call.hpp>
#include <rlloss/kit/cpu_segment.hpp>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/token_math.hpp>
#include <vector>
#if defined(__AVX2__)
#include <rlloss/kit/cpu_vector_row_pass.hpp>
#include <rlloss/kit/cpu_vector_segment.hpp>
#endif

namespace rlloss::kit::RLLOSS_CPU_ISA {

inline constexpr int64_t kChunkTokens = 16384;

// From how many bytes of gradient on the vector loop writes it with non-temporal stores
// (cpu_vector_segment.hpp). An ordinary store to a line not in cache first reads the line from
// memory; a non-temporal store does not, so a float32 token moves 17 bytes instead of 21. The
// price: the gradient is left in memory, not in cache, for whoever reads it next; at 8 MiB it
// would not have stayed in a core's L2 cache anyway (1 to 2 MiB today). At 4M float32 tokens on
// one Xeon core (bench/results/cpu_speed_2026-12-04_xeon_streaming.txt): gspo on AVX2 10.2 ->
// 14.5 GB/s, ppo_clip and cispo on AVX-512 20.6 -> 26.0 and 18.6 -> 26.3; sapo, bound by its
// arithmetic, unchanged.
inline constexpr int64_t kStreamGradBytes = int64_t{8} << 20;

// Tokens per block: a block's per-token values are staged in buffers on the stack (in L1).
inline constexpr int64_t kBlockTokens = 256;
static_assert(kBlockTokens % kLanes == 0, "a block holds whole groups of lanes");
static_assert(kChunkTokens % kBlockTokens == 0, "a chunk holds whole blocks");

// Mask entries [j0, j0 + m) of a row as 1 or 0 in `out`, whose element type matches the loop
// that reads it: GCC 12 does not vectorise a loop whose selects mix byte-wide and float- or
// double-wide lanes. The mask was checked to hold only 0 and 1 before the pass.
template <bool kUnit, class M, class Out>
RLLOSS_ALWAYS_INLINE void widen_mask(const M* mask, int64_t stride, int64_t j0, int64_t m,
                                     Out* out) {
  for (int64_t j = 0; j < m; ++j) out[j] = mask[kUnit ? j0 + j : (j0 + j) * stride] != M(0);
}

// Tokens [j0, j0 + m) of a segment, m <= kBlockTokens. Writes the gradient and leaves in
// `values[0][j]` the weighted loss and in `values[1 + t][j]` the metric terms of token j0 + j,
// zero where masked. A plain elementwise loop with no loop-carried state, so the compiler
// vectorises it whole. Masked positions are dropped with selects, never by multiplying with the
// mask (NaN * 0 is NaN).
template <class Math, class T, class M, bool kUnit, bool kIsWeights>
RLLOSS_ALWAYS_INLINE void token_block(const typename Math::template Params<T>& params,
                                      const Segment<T, M>& s, T weight, int64_t j0, int64_t m,
                                      T (*values)[kBlockTokens]) {
  const auto at = [](int64_t k, int64_t stride) { return kUnit ? k : k * stride; };
  T mask[kBlockTokens];
  widen_mask<kUnit>(s.mask, s.mask_stride, j0, m, mask);
  // The row's value is spread over a block-sized array rather than read as one invariant: GCC 12
  // does not vectorise the token loop when the Math hoists an exp of the invariant out of it (GSPO
  // ran scalar, "no vectype for stmt"). Losses without a row value skip this.
  T row_log_ratio[kRowLogRatio<Math> ? kBlockTokens : 1];
  if constexpr (kRowLogRatio<Math>) std::fill(row_log_ratio, row_log_ratio + m, s.row_log_ratio);
  for (int64_t j = 0; j < m; ++j) {
    const int64_t k = j0 + j;
    const bool on = mask[j] != T(0);
    const auto token = call_token<Math, T>(
        params, s.log_prob[at(k, s.log_prob_stride)], s.old_log_prob[at(k, s.old_log_prob_stride)],
        s.advantages[at(k, s.advantages_stride)], row_log_ratio[kRowLogRatio<Math> ? j : 0]);
    const T is_weight = kIsWeights ? s.is_weights[at(k, s.is_weights_stride)] : T(1);
    const T grad = token.dloss * is_weight * weight;
    const T loss = token.loss * is_weight;
    s.grad[at(k, s.grad_stride)] = on ? grad : T(0);
    values[0][j] = on ? loss : T(0);
    for (int t = 0; t < Math::kNumTerms; ++t) values[1 + t][j] = on ? token.terms[t] : T(0);
  }
}

// Tokens [t0, t0 + n) of sequence b.
template <class Math, class T, class M, bool kUnit, bool kIsWeights>
void run_segment(const typename Math::template Params<T>& shared_params, const CpuCall& c,
                 int64_t b, int64_t t0, int64_t n, double* sums) {
  constexpr int kValues = 1 + Math::kNumTerms;
  const Segment<T, M> s = make_segment<T, M>(c, b, t0);
  // A local copy: the compiler sees that storing the gradient cannot change it.
  const typename Math::template Params<T> params = shared_params;
  const T weight = static_cast<T>(c.row_weights[b]);
  // Token j of the segment sums into lane j % kLanes, in token order: the sums do not depend on
  // how wide the vectors are that the compiler picks, nor on the thread count.
  T lanes[kValues][kLanes] = {};
  T values[kValues][kBlockTokens];
  for (int64_t j0 = 0; j0 < n; j0 += kBlockTokens) {
    const int64_t m = std::min(kBlockTokens, n - j0);
    token_block<Math, T, M, kUnit, kIsWeights>(params, s, weight, j0, m, values);
    for (int v = 0; v < kValues; ++v) {
      int64_t j = 0;
      for (; j + kLanes <= m; j += kLanes) {
        for (int lane = 0; lane < kLanes; ++lane) lanes[v][lane] += values[v][j + lane];
      }
      for (int lane = 0; j + lane < m; ++lane) lanes[v][lane] += values[v][j + lane];
    }
  }
  add_lane_sums(lanes, c.row_weights[b], sums);
}

// The masked mean of log_prob - old_log_prob over one row. Token t sums into lane t % kLanes in
// column order, in double, whatever the vector width or the thread count; masked tokens are
// skipped by a select, never multiplied by 0, so NaN or inf there changes nothing.
template <class T, class M, bool kUnit>
double row_log_ratio_mean(const CpuCall& c, int64_t b) {
  const auto at = [](int64_t t, int64_t stride) { return kUnit ? t : t * stride; };
  const T* log_prob = reinterpret_cast<const T*>(c.log_prob.data) + b * c.log_prob.row_stride;
  const T* old_log_prob =
      reinterpret_cast<const T*>(c.old_log_prob.data) + b * c.old_log_prob.row_stride;
  const M* mask = reinterpret_cast<const M*>(c.response_mask.data) + b * c.response_mask.row_stride;
#if defined(__AVX2__)
  if constexpr (kUnit) return vector_row_log_ratio_mean(log_prob, old_log_prob, mask, c.cols);
#endif
  double sums[kLanes] = {};
  double counts[kLanes] = {};
  for (int64_t t0 = 0; t0 < c.cols; t0 += kBlockTokens) {
    const int64_t m = std::min(kBlockTokens, c.cols - t0);
    double on[kBlockTokens];
    widen_mask<kUnit>(mask, c.response_mask.col_stride, t0, m, on);
    const auto add = [&](int64_t j, int lane) {
      const int64_t t = t0 + j;
      const double difference = static_cast<double>(log_prob[at(t, c.log_prob.col_stride)]) -
                                static_cast<double>(old_log_prob[at(t, c.old_log_prob.col_stride)]);
      sums[lane] += on[j] != 0.0 ? difference : 0.0;
      counts[lane] += on[j];
    };
    int64_t j = 0;
    for (; j + kLanes <= m; j += kLanes) {
      for (int lane = 0; lane < kLanes; ++lane) add(j + lane, lane);
    }
    for (int lane = 0; j + lane < m; ++lane) add(j + lane, lane);
  }
  return lane_mean(sums, counts);
}

// The row pre-pass: each row's masked mean log-ratio, one row per iteration, so any thread count
// gives the same values.
template <class T, class M>
void row_log_ratio_means(const CpuCall& c, bool unit, int threads, double* out) {
  if (c.cols == 0) {  // rows with no token; the data pointers may be null
    std::fill(out, out + c.rows, 0.0);
    return;
  }
#pragma omp parallel for schedule(static) num_threads(threads) if (c.rows * c.cols > kChunkTokens)
  for (int64_t b = 0; b < c.rows; ++b) {
    out[b] = unit ? row_log_ratio_mean<T, M, true>(c, b) : row_log_ratio_mean<T, M, false>(c, b);
  }
}

inline int thread_count(const CpuCall& c) {
  // More threads than the machine has only costs (and OpenMP fails to start 100000 of them).
  const int requested = c.num_threads > 0 ? c.num_threads : omp_get_max_threads();
  return std::max(1, std::min(requested, omp_get_num_procs()));
}

// Runs segment(b, t, n, sums) over every row segment of every chunk, and chunk_done() on the
// thread that ran a chunk after its last segment; then reduces the chunks.
template <int kSums, class RunSegment, class ChunkDone>
void run_chunks(const CpuCall& c, const RunSegment& segment, const ChunkDone& chunk_done,
                double* sums) {
  const int64_t total = c.rows * c.cols;
  const int64_t chunks = (total + kChunkTokens - 1) / kChunkTokens;
  std::vector<double> partial(static_cast<size_t>(chunks) * kSums, 0.0);
  const int threads = thread_count(c);
#pragma omp parallel for schedule(static) num_threads(threads) if (chunks > 1)
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const int64_t end = std::min(total, (chunk + 1) * kChunkTokens);
    int64_t position = chunk * kChunkTokens;
    while (position < end) {
      const int64_t b = position / c.cols;
      const int64_t t = position % c.cols;
      const int64_t n = std::min(c.cols - t, end - position);
      segment(b, t, n, &partial[chunk * kSums]);
      position += n;
    }
    chunk_done();
  }
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    for (int s = 0; s < kSums; ++s) sums[s] += partial[chunk * kSums + s];
  }
}

template <class Math, class T, class M, bool kUnit, bool kIsWeights>
void run_segments(const Instance<Math>& instance, const CpuCall& c, double* sums) {
  constexpr int kSums = 1 + Math::kNumTerms;
#if defined(__AVX2__)
  if constexpr (kUnit && kVectorToken<Math>) {
    const auto params = Math::template make_params<Vec<T>>(instance.args);
    const bool stream_grad = c.rows * c.cols * static_cast<int64_t>(sizeof(T)) >= kStreamGradBytes;
    const auto segment = [&](int64_t b, int64_t t, int64_t n, double* out) {
      run_vector_segment<Math, T, M, kIsWeights>(params, c, b, t, n, stream_grad, out);
    };
    // Non-temporal stores are weakly ordered: the fence makes them visible before the thread
    // leaves its chunk, whoever reads the gradient next.
    const auto fence_streamed_stores = [&] {
      if (stream_grad) _mm_sfence();
    };
    run_chunks<kSums>(c, segment, fence_streamed_stores, sums);
  } else
#endif
  {
    const auto& params = instance.template params<T>();
    const auto segment = [&](int64_t b, int64_t t, int64_t n, double* out) {
      run_segment<Math, T, M, kUnit, kIsWeights>(params, c, b, t, n, out);
    };
    const auto no_streamed_stores = [] {};
    run_chunks<kSums>(c, segment, no_streamed_stores, sums);
  }
}

// Whether the gradient may share memory with an input (written in place, or interleaved with
// one in a buffer). Such a call computes into a buffer of its own first, so every input is read
// before any gradient is written over it, whatever order the loops take.
inline bool grad_shares_memory(const CpuCall& c) {
  const auto overlaps = [&](const MatrixView& input) {
    return spans_overlap(c.grad, input, c.rows, c.cols);
  };
  return overlaps(c.log_prob) || overlaps(c.old_log_prob) || overlaps(c.advantages) ||
         overlaps(c.response_mask) || (c.has_is_weights && overlaps(c.is_weights));
}

inline bool unit_columns(const CpuCall& c) {
  return c.log_prob.col_stride == 1 && c.old_log_prob.col_stride == 1 &&
         c.advantages.col_stride == 1 && c.response_mask.col_stride == 1 &&
         c.grad.col_stride == 1 && (!c.has_is_weights || c.is_weights.col_stride == 1);
}

// The token pass (the driver's stage 4); the row pre-pass's values, when used, are in
// call.row_log_ratio.
template <class Math, class T, class M>
void token_pass(const void* instance_ptr, const CpuCall& call, double* sums) {
  const auto& instance = *static_cast<const Instance<Math>*>(instance_ptr);
  CpuCall c = call;
  std::vector<T> grad_buffer;
  if (grad_shares_memory(c)) {
    grad_buffer.resize(static_cast<size_t>(c.rows * c.cols));
    c.grad.data = reinterpret_cast<char*>(grad_buffer.data());
    c.grad.row_stride = c.cols;
    c.grad.col_stride = 1;
  }
  if (unit_columns(c)) {
    c.has_is_weights ? run_segments<Math, T, M, true, true>(instance, c, sums)
                     : run_segments<Math, T, M, true, false>(instance, c, sums);
  } else {
    c.has_is_weights ? run_segments<Math, T, M, false, true>(instance, c, sums)
                     : run_segments<Math, T, M, false, false>(instance, c, sums);
  }
  if (grad_buffer.empty()) return;
  T* grad = reinterpret_cast<T*>(call.grad.data);
  for (int64_t b = 0; b < c.rows; ++b) {
    for (int64_t t = 0; t < c.cols; ++t) {
      grad[b * call.grad.row_stride + t * call.grad.col_stride] = grad_buffer[b * c.cols + t];
    }
  }
}

// The row pre-pass (the driver's stage 3).
template <class T, class M>
void row_log_ratio(const CpuCall& c, double* out) {
  row_log_ratio_means<T, M>(c, unit_columns(c), thread_count(c), out);
}

template <class Math, class... Ts, class... Ms>
CpuKernels make_cpu_kernels(TypeList<Ts...>, TypeList<Ms...>) {
  CpuKernels kernels{};
  const auto fill_row = [&kernels](auto value) {
    using T = typename decltype(value)::type;
    constexpr int t = IndexIn<T, CpuValueTypes>::value;
    ((kernels.token_pass[t][IndexIn<Ms, MaskTypes>::value] = &token_pass<Math, T, Ms>), ...);
    ((kernels.row_log_ratio[t][IndexIn<Ms, MaskTypes>::value] = &row_log_ratio<T, Ms>), ...);
  };
  (fill_row(TypeTag<Ts>{}), ...);
  return kernels;
}

}  // namespace rlloss::kit::RLLOSS_CPU_ISA

// Defines this instruction set's rlloss::kit::<isa>::cpu_kernels() for one loss.
#define RLLOSS_DEFINE_CPU_KERNEL(MATH)                                                      \
  namespace rlloss::kit::RLLOSS_CPU_ISA {                                                   \
  const CpuKernels& cpu_kernels() {                                                         \
    static const CpuKernels kernels = make_cpu_kernels<MATH>(CpuValueTypes{}, MaskTypes{}); \
    return kernels;                                                                         \
  }                                                                                         \
  }
