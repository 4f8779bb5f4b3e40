// float16 and bfloat16 as the interpreted device stores them: the bit patterns CUDA's __half and
// __nv_bfloat16 hold, and conversions rounded exactly as __float2half_rn and __float2bfloat16_rn
// (IEEE round to nearest, ties to even; overflow to infinity; every NaN to the canonical 0x7fff).
// Written from the IEEE 754 definitions; tests/interp/test/conversion_test.cpp checks them on every
// 16-bit pattern against a reference that rounds by searching the table of representable values.
#pragma once

#include <cstdint>
#include <cstring>

struct __half {
  uint16_t __x;
};
struct __nv_bfloat16 {
  uint16_t __x;
};

namespace rlloss::interp {

inline uint32_t float_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float float_from_bits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

inline constexpr uint16_t kCanonicalNan16 = 0x7fff;

// Drops the low `shift` bits of `value`, rounding to nearest with ties to even.
inline uint32_t shift_right_rounded(uint32_t value, unsigned shift) {
  if (shift == 0) return value;
  if (shift > 31) return 0;  // below half of the smallest step: rounds to zero
  const uint32_t kept = value >> shift;
  const uint32_t dropped = value & ((uint32_t{1} << shift) - 1);
  const uint32_t half = uint32_t{1} << (shift - 1);
  return kept + (dropped > half || (dropped == half && (kept & 1)) ? 1 : 0);
}

inline uint16_t float_to_half_bits(float value) {
  const uint32_t bits = float_bits(value);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return kCanonicalNan16;
  if (magnitude == 0x7f800000u) return static_cast<uint16_t>(sign | 0x7c00u);
  const int exponent = static_cast<int>(magnitude >> 23) - 127;  // of a normal float
  // Significand with its leading one, 24 bits (a float subnormal is far below half's range).
  const uint32_t significand = (magnitude & 0x7fffffu) | (magnitude >= 0x00800000u ? 0x800000u : 0);
  uint32_t result;
  if (exponent >= -14) {
    // Normal half: keep 11 significant bits. A carry out of the mantissa bumps the exponent
    // correctly, and past the largest finite value yields the infinity pattern 0x7c00.
    const uint32_t rounded = shift_right_rounded(significand, 13);  // 1.m in 11 bits (or 2.0)
    result = (static_cast<uint32_t>(exponent + 15) << 10) + rounded - 0x400u;
    if (result >= 0x7c00u) result = 0x7c00u;
  } else {
    // Subnormal half: value = significand * 2^(exponent - 23), in units of 2^-24.
    result = shift_right_rounded(significand, static_cast<unsigned>(-14 - exponent + 13));
  }
  return static_cast<uint16_t>(sign | result);
}

inline float half_bits_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  const uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0x1f) return float_from_bits(sign | 0x7f800000u | (mantissa << 13));
  if (exponent != 0) return float_from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Subnormal (or zero): mantissa * 2^-24, exact in float.
  const float magnitude = static_cast<float>(mantissa) * float_from_bits(0x33800000u);
  return sign ? -magnitude : magnitude;
}

inline uint16_t float_to_bfloat16_bits(float value) {
  const uint32_t bits = float_bits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return kCanonicalNan16;
  // Rounding the low 16 bits away carries into the exponent where it should, and from the
  // largest finite values into the infinity pattern.
  return static_cast<uint16_t>(shift_right_rounded(bits & 0x7fffffffu, 16) |
                               ((bits >> 16) & 0x8000u));
}

inline float bfloat16_bits_to_float(uint16_t bfloat16) {
  return float_from_bits(static_cast<uint32_t>(bfloat16) << 16);
}

}  // namespace rlloss::interp

inline float __half2float(__half value) {
  return rlloss::interp::half_bits_to_float(value.__x);
}
inline __half __float2half_rn(float value) {
  return {rlloss::interp::float_to_half_bits(value)};
}
inline float __bfloat162float(__nv_bfloat16 value) {
  return rlloss::interp::bfloat16_bits_to_float(value.__x);
}
inline __nv_bfloat16 __float2bfloat16_rn(float value) {
  return {rlloss::interp::float_to_bfloat16_bits(value)};
}
