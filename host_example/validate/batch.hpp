// Random float64 [B, T] batches for the validate checks: ragged masks (one row fully masked, some
// rows with holes), log-ratios spread over a PPO clip range, advantages of both signs and zeros.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rlloss::validate {

struct Batch {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<double> log_prob, old_log_prob, advantages;
  std::vector<double> is_weights;  // empty: no rollout_is_weights
  std::vector<uint8_t> mask;

  bool has_is_weights() const { return !is_weights.empty(); }
  int64_t size() const { return rows * cols; }
  int64_t token_count() const;     // masked-in tokens
  int64_t sequence_count() const;  // rows with at least one masked-in token
  std::string shape() const;       // "[B, T]"
  // Rows [begin, end) as a batch of their own.
  Batch row_slice(int64_t begin, int64_t end) const;
};

// Seeded and portable: the same seed gives the same batch with any standard library.
Batch make_batch(int64_t rows, int64_t cols, bool with_is_weights, uint64_t seed);

}  // namespace rlloss::validate
