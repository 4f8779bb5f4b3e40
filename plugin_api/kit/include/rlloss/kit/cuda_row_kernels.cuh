// The kernels that read whole rows before the token pass: masked tokens per row (with the 0/1
// mask check), each row's masked mean log-ratio for sequence-level losses, and the aggregation
// weight of every row.
#pragma once

#include <cstdint>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/cuda_values.cuh>
#include <rlloss/kit/device_driver.hpp>

namespace rlloss::kit::cuda {

template <class M>
__global__ void __launch_bounds__(kThreads)
    row_lengths_kernel(const M* mask, int64_t row_stride, int64_t col_stride, int64_t cols,
                       int64_t* lengths, uint32_t* flags) {
  RLLOSS_SHARED_ARRAY(int64_t, shared, kWarps);
  const M* row = mask + static_cast<int64_t>(blockIdx.x) * row_stride;
  int64_t count = 0;
  bool binary = true;
  for (int64_t t = threadIdx.x; t < cols; t += kThreads) {
    const M value = row[t * col_stride];
    count += value != M(0);
    binary &= value == M(0) || value == M(1);
  }
  if (!binary) atomicOr(flags, kInvalidMask);
  count = block_sum(count, shared);
  if (threadIdx.x == 0) lengths[blockIdx.x] = count;
}

// Row and column strides of log_prob, old_log_prob and the mask, passed by value.
struct PrePassStrides {
  int64_t log_prob[2], old_log_prob[2], mask[2];
};

template <class T, class M>
__global__ void __launch_bounds__(kThreads)
    row_log_ratio_kernel(const T* log_prob, const T* old_log_prob, const M* mask, PrePassStrides s,
                         int64_t cols, double* out) {
  RLLOSS_SHARED_ARRAY(double, shared_sum, kWarps);
  RLLOSS_SHARED_ARRAY(int64_t, shared_count, kWarps);
  const int64_t b = blockIdx.x;
  double sum = 0;
  int64_t count = 0;
  for (int64_t t = threadIdx.x; t < cols; t += kThreads) {
    // Masked tokens are skipped, not multiplied by 0: NaN or inf there changes nothing.
    if (mask[b * s.mask[0] + t * s.mask[1]] == M(0)) continue;
    sum += static_cast<double>(load_value(log_prob + b * s.log_prob[0] + t * s.log_prob[1])) -
           static_cast<double>(
               load_value(old_log_prob + b * s.old_log_prob[0] + t * s.old_log_prob[1]));
    ++count;
  }
  sum = block_sum(sum, shared_sum);
  count = block_sum(count, shared_count);
  if (threadIdx.x == 0) out[b] = count > 0 ? sum / static_cast<double>(count) : 0.0;
}

__global__ void __launch_bounds__(kThreads)
    sequence_weights_kernel(const int64_t* lengths, int64_t rows, AggregationRequest request,
                            double* weights, int64_t* local_tokens, uint32_t* flags) {
  RLLOSS_SHARED_ARRAY(int64_t, shared, kWarps);
  int64_t tokens = 0;
  int64_t sequences = 0;
  for (int64_t b = threadIdx.x; b < rows; b += kThreads) {
    tokens += lengths[b];
    sequences += lengths[b] > 0;
  }
  tokens = block_sum(tokens, shared);
  sequences = block_sum(sequences, shared);
  const Normalisers n = normalisers_for(request, tokens, sequences);
  for (int64_t b = threadIdx.x; b < rows; b += kThreads) {
    weights[b] = sequence_weight(request.mode, n, lengths[b]);
  }
  if (threadIdx.x == 0) {
    *local_tokens = tokens;
    if (!global_counts_cover(request, tokens, sequences)) atomicOr(flags, kInvalidGlobalCount);
  }
}

}  // namespace rlloss::kit::cuda
