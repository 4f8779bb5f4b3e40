#include "bench_batch.hpp"

namespace rlloss::bench {

Batch make_batch(int64_t tokens, int64_t rows) {
  torch::manual_seed(1234);
  const int64_t cols = tokens / rows;
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  Batch batch;
  batch.old_log_prob = -torch::rand({rows, cols}, options) * 4.0;
  batch.log_prob = batch.old_log_prob + torch::randn({rows, cols}, options) * 0.2;
  batch.advantages = torch::randn({rows, cols}, options);
  batch.mask = torch::rand({rows, cols}, options) < 0.9;
  return batch;
}

}  // namespace rlloss::bench
