// The counted tokens of each sequence, read from the mask before the fused pass (the aggregation
// weights need them), with the check that every mask value is 0 or 1.
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <rlloss/contract/arg_schema.hpp>
#include <rlloss/kit/error.hpp>
#include <rlloss/kit/tensors.hpp>
#include <string>
#include <type_traits>

namespace rlloss::kit {

// The sum of n contiguous bytes, and whether every one is 0 or 1 (then the sum is the count of
// ones). SSE2's byte-sum instruction takes 16 bytes in one operation, where the generic loop below
// widens each byte to 32 bits first: on a 4M-token bool mask the generic loop took 10% of a
// ppo_clip call (AVX2, one Zen 4 core).
inline bool sum_binary_bytes(const uint8_t* bytes, int64_t n, int64_t* sum) {
  int64_t t = 0;
  uint64_t total = 0;
  unsigned seen = 0;  // the OR of every byte: 0 or 1 when all are binary
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  __m128i sums = zero, bits = zero;
  for (; t + 16 <= n; t += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes + t));
    sums = _mm_add_epi64(sums, _mm_sad_epu8(v, zero));
    bits = _mm_or_si128(bits, v);
  }
  alignas(16) uint64_t lanes[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(lanes), sums);
  total = lanes[0] + lanes[1];
  alignas(16) uint8_t seen_bytes[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(seen_bytes), bits);
  for (const uint8_t b : seen_bytes) seen |= b;
#endif
  for (; t < n; ++t) {
    total += bytes[t];
    seen |= bytes[t];
  }
  *sum = static_cast<int64_t>(total);
  return (seen & ~1u) == 0;
}

// The nonzero values among n strided mask values, and whether every one is 0 or 1. Contiguous
// bytes take sum_binary_bytes; the rest, blocks with 32-bit counters and no short-circuit: this
// loop vectorises (it reads the whole mask once more before the fused pass, so a scalar loop here
// costs a quarter of the call).
template <class M>
bool count_binary_values(const M* values, int64_t stride, int64_t n, int64_t* count) {
  if constexpr (std::is_same_v<M, uint8_t>) {
    if (stride == 1) return sum_binary_bytes(values, n, count);
  }
  constexpr int64_t kBlock = int64_t{1} << 20;  // the counters cannot overflow
  int64_t total = 0;
  bool binary = true;
  for (int64_t t0 = 0; t0 < n; t0 += kBlock) {
    const int64_t end = n - t0 < kBlock ? n : t0 + kBlock;
    uint32_t on = 0;
    uint32_t not_binary = 0;
    for (int64_t t = t0; t < end; ++t) {
      const M value = values[t * stride];
      on += value != M(0);
      not_binary |= (value != M(0)) & (value != M(1));
    }
    total += on;
    binary &= not_binary == 0;
  }
  *count = total;
  return binary;
}

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
    if (!count_binary_values(row, mask.col_stride, cols, &lengths[b])) {
      for (int64_t t = 0; t < cols; ++t) {
        const double value = static_cast<double>(row[t * mask.col_stride]);
        if (!(value == 0 || value == 1)) {
          fail("response_mask holds " + contract::format_number(value) + " at [" +
               std::to_string(b) + ", " + std::to_string(t) + "]; a mask must hold only 0 and 1");
        }
      }
    }
  }
}

}  // namespace rlloss::kit
