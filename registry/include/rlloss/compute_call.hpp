// One rlloss_compute_call, filled the same way by every host-side caller: the LibTorch binding,
// validate and the benchmarks.
#pragma once

#include <rlloss/plugin_api.h>

#include <cstdint>

namespace rlloss {

struct LossNormalisers {
  int64_t global_token_count = -1;  // -1: use this batch's count
  int64_t global_seq_count = -1;
  int64_t dp_size = 1;
};

// The call's tensors, borrowed: they must outlive the call. rollout_is_weights and metrics may be
// NULL.
struct ComputeTensors {
  const DLTensor* log_prob = nullptr;
  const DLTensor* old_log_prob = nullptr;
  const DLTensor* advantages = nullptr;
  const DLTensor* response_mask = nullptr;
  const DLTensor* rollout_is_weights = nullptr;
  DLTensor* loss = nullptr;
  DLTensor* grad_log_prob = nullptr;
  DLTensor* metrics = nullptr;
};

// num_threads 0: the plugin's default. stream: the CUDA stream, NULL on the CPU.
rlloss_compute_call make_compute_call(const ComputeTensors& tensors,
                                      const LossNormalisers& normalisers, int32_t num_threads,
                                      void* stream = nullptr);

}  // namespace rlloss
