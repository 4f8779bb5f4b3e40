#include "batch.hpp"

#include <algorithm>
#include <cmath>

namespace rlloss::validate {
namespace {

// splitmix64: tiny, portable, good enough for test data.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}

  uint64_t bits() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  int64_t integer(int64_t low, int64_t high) {  // [low, high]
    return low + static_cast<int64_t>(bits() % static_cast<uint64_t>(high - low + 1));
  }
  double normal() {  // Box-Muller
    const double u = 1.0 - uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * uniform());
  }

 private:
  uint64_t state_;
};

}  // namespace

int64_t Batch::token_count() const {
  int64_t count = 0;
  for (const uint8_t m : mask) count += m != 0;
  return count;
}

int64_t Batch::sequence_count() const {
  int64_t count = 0;
  for (int64_t b = 0; b < rows; ++b) {
    const auto row = mask.begin() + b * cols;
    count += std::any_of(row, row + cols, [](uint8_t m) { return m != 0; });
  }
  return count;
}

std::string Batch::shape() const {
  return "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

Batch Batch::row_slice(int64_t begin, int64_t end) const {
  const auto slice = [&](const auto& values) {
    using Vector = std::decay_t<decltype(values)>;
    if (values.empty()) return Vector{};
    return Vector(values.begin() + begin * cols, values.begin() + end * cols);
  };
  Batch part;
  part.rows = end - begin;
  part.cols = cols;
  part.log_prob = slice(log_prob);
  part.old_log_prob = slice(old_log_prob);
  part.advantages = slice(advantages);
  part.is_weights = slice(is_weights);
  part.mask = slice(mask);
  return part;
}

Batch make_batch(int64_t rows, int64_t cols, bool with_is_weights, uint64_t seed) {
  Random random(seed);
  Batch batch;
  batch.rows = rows;
  batch.cols = cols;
  const auto n = static_cast<size_t>(rows * cols);
  batch.log_prob.resize(n);
  batch.old_log_prob.resize(n);
  batch.advantages.resize(n);
  batch.mask.assign(n, 0);
  if (with_is_weights) batch.is_weights.resize(n);

  // Ragged responses: a random length per row, one row empty and one full when there are
  // enough rows, and every fourth row with holes (masked tool output inside a response).
  const int64_t empty_row = rows > 1 ? random.integer(0, rows - 1) : -1;
  const int64_t full_row = rows > 2 ? (empty_row + 1) % rows : -1;
  for (int64_t b = 0; b < rows; ++b) {
    int64_t length = cols > 0 ? random.integer(1, cols) : 0;
    if (b == empty_row) length = 0;
    if (b == full_row) length = cols;
    const bool holes = b % 4 == 3 && b != full_row;
    for (int64_t t = 0; t < length; ++t) {
      batch.mask[b * cols + t] = holes && random.uniform() < 0.2 ? 0 : 1;
    }
  }

  for (size_t i = 0; i < n; ++i) {
    batch.old_log_prob[i] = -random.uniform(0.05, 4.0);
    // Most log-ratios near 0, a fifth wider so clip ranges and PPO's dual clip (ratio 3) are hit.
    const double spread = random.uniform() < 0.8 ? 0.3 : 0.8;
    const double log_ratio = std::clamp(spread * random.normal(), -1.6, 1.6);
    batch.log_prob[i] = batch.old_log_prob[i] + log_ratio;
    batch.advantages[i] = random.uniform() < 0.05 ? 0.0 : random.normal();
    if (with_is_weights) batch.is_weights[i] = random.uniform(0.2, 2.0);
  }
  return batch;
}

}  // namespace rlloss::validate
