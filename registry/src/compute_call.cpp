#include <rlloss/compute_call.hpp>

namespace rlloss {

rlloss_compute_call make_compute_call(const ComputeTensors& tensors,
                                      const LossNormalisers& normalisers, int32_t num_threads,
                                      void* stream) {
  rlloss_compute_call call{};
  call.struct_size = sizeof(rlloss_compute_call);
  call.log_prob = tensors.log_prob;
  call.old_log_prob = tensors.old_log_prob;
  call.advantages = tensors.advantages;
  call.response_mask = tensors.response_mask;
  call.rollout_is_weights = tensors.rollout_is_weights;
  call.global_token_count = normalisers.global_token_count;
  call.global_seq_count = normalisers.global_seq_count;
  call.dp_size = normalisers.dp_size;
  call.num_threads = num_threads;
  call.stream = stream;
  call.loss = tensors.loss;
  call.grad_log_prob = tensors.grad_log_prob;
  call.metrics = tensors.metrics;
  return call;
}

}  // namespace rlloss
