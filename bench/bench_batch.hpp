// A synthetic [B, T] float32 batch shaped like an RL step: ratios near 1 (some past the clip
// range), advantages of both signs, a bool mask with about 90% ones.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace rlloss::bench {

inline constexpr int64_t kRows = 16;

struct Batch {
  torch::Tensor log_prob;      // [B, T] float32
  torch::Tensor old_log_prob;  // [B, T] float32
  torch::Tensor advantages;    // [B, T] float32
  torch::Tensor mask;          // [B, T] bool
};

// `tokens` in `rows` rows of equal length (`tokens` a multiple of `rows`). The same seed always
// gives the same batch.
Batch make_batch(int64_t tokens, int64_t rows = kRows);

// Bytes a single fused pass must move per token: log_prob, old_log_prob and advantages read
// (4 B each), the bool mask read (1 B), the gradient written (4 B).
inline constexpr int64_t kFusedBytesPerToken = 4 + 4 + 4 + 1 + 4;

}  // namespace rlloss::bench
