// The token pass (one read of the inputs, one write of the gradient, per-block partial sums of
// the weighted loss and the metric terms) and the kernel that reduces the partial sums in block
// order and writes the loss and the metrics.
#pragma once

#include <cstdint>
#include <rlloss/kit/cuda_values.cuh>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/token_math.hpp>

namespace rlloss::kit::cuda {

template <class T>
struct DevicePointers {
  const T* log_prob;
  const T* old_log_prob;
  const T* advantages;
  const T* is_weights;
  T* grad;
};

struct DeviceStrides {
  int64_t log_prob[2], old_log_prob[2], advantages[2], mask[2], is_weights[2], grad[2];
};

template <class Math, class T, class M, bool kIsWeights>
__global__ void __launch_bounds__(kThreads)
    fused_kernel(typename Math::template Params<typename ComputeType<T>::type> params,
                 DevicePointers<T> p, const M* mask, DeviceStrides s, int64_t cols, int64_t total,
                 const double* weights, const double* row_log_ratio, double* partials) {
  using C = typename ComputeType<T>::type;
  constexpr int K = Math::kNumTerms;
  constexpr int kSums = 1 + K;
  C loss = 0;
  C terms[K > 0 ? K : 1] = {};
  const int64_t first = static_cast<int64_t>(blockIdx.x) * kTokensPerBlock + threadIdx.x;
  const bool narrow = total <= 0xffffffffll && cols <= 0xffffffffll;
  RLLOSS_UNROLL
  for (int j = 0; j < kTokensPerThread; ++j) {
    const int64_t index = first + int64_t{j} * kThreads;
    if (index >= total) break;
    const int64_t b =
        narrow ? static_cast<int64_t>(static_cast<uint32_t>(index) / static_cast<uint32_t>(cols))
               : index / cols;
    const int64_t t = index - b * cols;
    const auto at = [b, t](const int64_t* stride) { return b * stride[0] + t * stride[1]; };
    const bool on = mask[at(s.mask)] != M(0);
    const auto token =
        call_token<Math, C>(params, static_cast<C>(load_value(p.log_prob + at(s.log_prob))),
                            static_cast<C>(load_value(p.old_log_prob + at(s.old_log_prob))),
                            static_cast<C>(load_value(p.advantages + at(s.advantages))),
                            row_log_ratio != nullptr ? static_cast<C>(row_log_ratio[b]) : C(0));
    const C is_weight =
        kIsWeights ? static_cast<C>(load_value(p.is_weights + at(s.is_weights))) : C(1);
    const C weight = static_cast<C>(weights[b]);
    store_value(p.grad + at(s.grad), on ? token.dloss * is_weight * weight : C(0));
    loss += on ? token.loss * is_weight * weight : C(0);
    RLLOSS_UNROLL
    for (int m = 0; m < K; ++m) terms[m] += on ? token.terms[m] : C(0);
  }
  RLLOSS_SHARED_ARRAY(double, shared, kWarps);
  const double block_loss = block_sum(static_cast<double>(loss), shared);
  if (threadIdx.x == 0) partials[blockIdx.x * kSums] = block_loss;
  RLLOSS_UNROLL
  for (int m = 0; m < K; ++m) {
    const double block_term = block_sum(static_cast<double>(terms[m]), shared);
    if (threadIdx.x == 0) partials[blockIdx.x * kSums + 1 + m] = block_term;
  }
}

template <class Math>
__global__ void __launch_bounds__(kThreads)
    finalize_kernel(const double* partials, int64_t blocks, const int64_t* local_tokens,
                    const uint32_t* flags, OutputView loss, OutputView metrics) {
  constexpr int kSums = 1 + Math::kNumTerms;
  constexpr int kMetrics = static_cast<int>(kNumMetrics<Math>);
  RLLOSS_SHARED_ARRAY(double, sums, kSums);
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  for (int s = warp; s < kSums; s += kWarps) {
    double value = 0;
    for (int64_t block = lane; block < blocks; block += 32) value += partials[block * kSums + s];
    value = warp_sum(value);
    if (lane == 0) sums[s] = value;
  }
  __syncthreads();
  if (threadIdx.x != 0) return;
  double totals[kSums];
  for (int s = 0; s < kSums; ++s) totals[s] = sums[s];
  const bool invalid = *flags != 0;
  const double nan = __longlong_as_double(0x7ff8000000000000ll);
  store_output(loss, 0, invalid ? nan : totals[0]);
  if (metrics.data == nullptr) return;
  double values[kMetrics > 0 ? kMetrics : 1];
  finalize_metrics<Math>(totals + 1, static_cast<double>(*local_tokens), values);
  for (int m = 0; m < kMetrics; ++m) {
    store_output(metrics, m, invalid ? nan : values[m]);
  }
}

}  // namespace rlloss::kit::cuda
