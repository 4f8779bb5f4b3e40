// The CPU backend: per-sequence token counts (with the 0/1 mask check), the aggregation weights,
// the fused pass of the best instruction set this machine has, then the loss and the metrics.
#pragma once

#include <cstdint>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/cpu_call.hpp>
#include <rlloss/kit/cpu_dispatch.hpp>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/sequence_lengths.hpp>
#include <vector>

namespace rlloss::kit {

template <class Math>
void run_cpu(const Instance<Math>& instance, const DeviceCall& call, int64_t num_metrics) {
  std::vector<int64_t> lengths(static_cast<size_t>(call.rows));
  count_sequence_lengths(call.response_mask, call.rows, call.cols, lengths.data());
  int64_t tokens = 0;
  int64_t sequences = 0;
  for (const int64_t length : lengths) {
    tokens += length;
    sequences += length > 0;
  }
  check_global_counts(call.aggregation, tokens, sequences);
  const Normalisers normalisers = normalisers_for(call.aggregation, tokens, sequences);
  std::vector<double> weights(static_cast<size_t>(call.rows));
  for (int64_t b = 0; b < call.rows; ++b) {
    weights[b] = sequence_weight(call.aggregation.mode, normalisers, lengths[b]);
  }
  CpuCall c{call};
  c.row_weights = weights.data();

  std::vector<double> sums(1 + Math::kNumTerms, 0.0);
  static const CpuKernelFn kernel = select_cpu_kernel();
  kernel(&instance, c, sums.data());

  store_output(call.loss, 0, sums[0]);
  if (call.metrics.data != nullptr) {
    std::vector<double> metrics(static_cast<size_t>(num_metrics), 0.0);
    Math::finalize(sums.data() + 1, static_cast<double>(tokens), metrics.data());
    for (int64_t i = 0; i < num_metrics; ++i) store_output(call.metrics, i, metrics[i]);
  }
}

}  // namespace rlloss::kit
