// The counted tokens of each sequence, read from the mask before the fused pass (the aggregation
// weights need them), with the check that every mask value is 0 or 1.
#pragma once

#include <algorithm>
#include <cstdint>
#include <rlloss/contract/arg_schema.hpp>
#include <rlloss/kit/error.hpp>
#include <rlloss/kit/tensors.hpp>
#include <string>

namespace rlloss::kit {

// Masked tokens per sequence; a mask of any dtype must hold only 0 and 1.
template <class M>
void count_sequence_lengths(const MatrixView& mask, int64_t rows, int64_t cols, int64_t* lengths) {
  // An empty row's data may be NULL: no row pointer is formed at all.
  if (cols == 0) {
    std::fill(lengths, lengths + rows, int64_t{0});
    return;
  }
  for (int64_t b = 0; b < rows; ++b) {
    const M* row = reinterpret_cast<const M*>(mask.data) + b * mask.row_stride;
    int64_t length = 0;
    bool binary = true;
    // Blocks with 32-bit counters and no short-circuit: this loop vectorises (it reads the whole
    // mask once more before the fused pass, so a scalar loop here costs a quarter of the call).
    constexpr int64_t kBlock = int64_t{1} << 20;  // the counters cannot overflow
    for (int64_t t0 = 0; t0 < cols; t0 += kBlock) {
      const int64_t end = cols - t0 < kBlock ? cols : t0 + kBlock;
      uint32_t on = 0;
      uint32_t not_binary = 0;
      for (int64_t t = t0; t < end; ++t) {
        const M value = row[t * mask.col_stride];
        on += value != M(0);
        not_binary |= (value != M(0)) & (value != M(1));
      }
      length += on;
      binary &= not_binary == 0;
    }
    if (!binary) {
      for (int64_t t = 0; t < cols; ++t) {
        const double value = static_cast<double>(row[t * mask.col_stride]);
        if (!(value == 0 || value == 1)) {
          fail("response_mask holds " + contract::format_number(value) + " at [" +
               std::to_string(b) + ", " + std::to_string(t) + "]; a mask must hold only 0 and 1");
        }
      }
    }
    lengths[b] = length;
  }
}

inline void count_sequence_lengths(const MatrixView& mask, int64_t rows, int64_t cols,
                                   int64_t* lengths) {
  switch (mask.dtype) {
    case Dtype::byte: return count_sequence_lengths<uint8_t>(mask, rows, cols, lengths);
    case Dtype::float32: return count_sequence_lengths<float>(mask, rows, cols, lengths);
    default: return count_sequence_lengths<double>(mask, rows, cols, lengths);
  }
}

}  // namespace rlloss::kit
