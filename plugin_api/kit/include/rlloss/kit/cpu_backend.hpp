// The CPU backend of the device driver (kit/device_driver.hpp): scratch in host memory, checks
// that throw at once, and the fused stages of the best instruction set this machine has
// (kit/cpu_dispatch.hpp).
#pragma once

#include <cstdint>
#include <cstring>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/kit/cpu_call.hpp>
#include <rlloss/kit/cpu_dispatch.hpp>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/device_driver.hpp>
#include <rlloss/kit/instance.hpp>
#include <rlloss/kit/metrics.hpp>
#include <rlloss/kit/sequence_lengths.hpp>
#include <vector>

namespace rlloss::kit {

class CpuBackend {
 public:
  using ValueTypes = CpuValueTypes;

  explicit CpuBackend(int64_t num_metrics) : num_metrics_(num_metrics) {}

  // The token pass reduces its chunks itself: one block of sums.
  int64_t token_blocks(const DeviceCall&) const { return 1; }

  class Memory {
   public:
    explicit Memory(size_t bytes) : words_((bytes + 7) / 8) {}
    void* data() { return words_.data(); }

   private:
    std::vector<double> words_;  // double-aligned
  };
  Memory allocate(size_t bytes) { return Memory(bytes); }
  void zero(void* data, size_t bytes) { std::memset(data, 0, bytes); }

  template <class M>
  void row_lengths(const DeviceCall& call, const CallScratch& s) {
    count_sequence_lengths<M>(call.response_mask, call.rows, call.cols, s.lengths);
  }

  void sequence_weights(const DeviceCall& call, const CallScratch& s) {
    int64_t tokens = 0;
    int64_t sequences = 0;
    for (int64_t b = 0; b < call.rows; ++b) {
      tokens += s.lengths[b];
      sequences += s.lengths[b] > 0;
    }
    check_global_counts(call.aggregation, tokens, sequences);
    const Normalisers normalisers = normalisers_for(call.aggregation, tokens, sequences);
    for (int64_t b = 0; b < call.rows; ++b) {
      s.weights[b] = sequence_weight(call.aggregation.mode, normalisers, s.lengths[b]);
    }
    *s.local_tokens = tokens;
  }

  template <class T, class M>
  void row_log_ratio(const DeviceCall& call, const CallScratch& s) {
    kernels().row_log_ratio[IndexIn<T, CpuValueTypes>::value][IndexIn<M, MaskTypes>::value](
        CpuCall{call}, s.row_log_ratio);
  }

  template <class Math, class T, class M>
  void token_pass(const Instance<Math>& instance, const DeviceCall& call, const CallScratch& s) {
    CpuCall c{call};
    c.row_weights = s.weights;
    c.row_log_ratio = s.row_log_ratio;
    kernels().token_pass[IndexIn<T, CpuValueTypes>::value][IndexIn<M, MaskTypes>::value](
        &instance, c, s.partials);
  }

  template <class Math>
  void finalize(const DeviceCall& call, const CallScratch& s) {
    store_output(call.loss, 0, s.partials[0]);
    if (call.metrics.data == nullptr) return;
    std::vector<double> metrics(static_cast<size_t>(num_metrics_), 0.0);
    finalize_metrics<Math>(s.partials + 1, static_cast<double>(*s.local_tokens), metrics.data());
    for (int64_t i = 0; i < num_metrics_; ++i) store_output(call.metrics, i, metrics[i]);
  }

  void finish(Memory&) {}

 private:
  static const CpuKernels& kernels() {
    static const CpuKernels& selected = select_cpu_kernels();
    return selected;
  }

  int64_t num_metrics_;
};

}  // namespace rlloss::kit
