// Branch-free exp and sigmoid that compilers vectorise (no libm call in the hot loop).
// Cephes' range reduction and polynomials; about 1 ulp in float and 2 ulp in double.
#pragma once

#include <cstdint>
#include <cstring>
#include <rlloss/kit/device_macros.hpp>

namespace rlloss::kit {

template <class To, class From>
RLLOSS_ALWAYS_INLINE To bit_cast_value(From from) {
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

RLLOSS_ALWAYS_INLINE float min_value(float a, float b) {
  return b < a ? b : a;
}
RLLOSS_ALWAYS_INLINE float max_value(float a, float b) {
  return a < b ? b : a;
}
RLLOSS_ALWAYS_INLINE double min_value(double a, double b) {
  return b < a ? b : a;
}
RLLOSS_ALWAYS_INLINE double max_value(double a, double b) {
  return a < b ? b : a;
}

// The range fast_exp_in_range() serves: 2^k stays a normal number, and exp(kExpMin) stands in for
// 0 (1.6e-38 in float, 3.3e-308 in double).
template <class C>
inline constexpr C kExpMin = sizeof(C) == 4 ? C(-87) : C(-708);
template <class C>
inline constexpr C kExpMax = sizeof(C) == 4 ? C(88) : C(709);

// exp(x) for x in [kExpMin, kExpMax] (or NaN, which gives NaN); no clamp, for callers whose
// argument is already bounded: a clamp is two compare-and-selects per vector in the hot loop.
RLLOSS_ALWAYS_INLINE float fast_exp_in_range(float x) {
  // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
  const float shifter = 12582912.0f;
  const float shifted = x * 1.44269504088896341f + shifter;
  const float k = shifted - shifter;
  const int32_t k_int = bit_cast_value<int32_t>(shifted) - bit_cast_value<int32_t>(shifter);
  float f = x - k * 0.693359375f;
  f = f - k * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * f + 1.3981999507e-3f;
  p = p * f + 8.3334519073e-3f;
  p = p * f + 4.1665795894e-2f;
  p = p * f + 1.6666665459e-1f;
  p = p * f + 5.0000001201e-1f;
  const float y = p * f * f + f + 1.0f;
  // Unsigned shift: a NaN x (a masked slot) gives a k_int whose signed shift would overflow.
  const float scale = bit_cast_value<float>(static_cast<uint32_t>(k_int + 127) << 23);
  return y * scale;
}

RLLOSS_ALWAYS_INLINE double fast_exp_in_range(double x) {
  const double shifter = 6755399441055744.0;  // 1.5 * 2^52
  const double shifted = x * 1.4426950408889634073599 + shifter;
  const double k = shifted - shifter;
  const int64_t k_int = bit_cast_value<int64_t>(shifted) - bit_cast_value<int64_t>(shifter);
  double f = x - k * 6.93145751953125e-1;
  f = f - k * 1.42860682030941723212e-6;
  const double ff = f * f;
  double p = 1.26177193074810590878e-4;
  p = p * ff + 3.02994407707441961300e-2;
  p = p * ff + 9.99999999999999999910e-1;
  p = p * f;
  double q = 3.00198505138664455042e-6;
  q = q * ff + 2.52448340349684104192e-3;
  q = q * ff + 2.27265548208155028766e-1;
  q = q * ff + 2.00000000000000000009e0;
  const double y = 1.0 + 2.0 * (p / (q - p));
  const double scale =
      bit_cast_value<double>(static_cast<int64_t>(static_cast<uint64_t>(k_int + 1023) << 52));
  return y * scale;
}

// exp(x) for any x: clamped to [kExpMin, kExpMax] first.
template <class C>
RLLOSS_ALWAYS_INLINE C fast_exp(C x) {
  return fast_exp_in_range(max_value(min_value(x, kExpMax<C>), kExpMin<C>));
}

// sigmoid(z) and 1 - sigmoid(z), each without cancellation and finite for any finite z.
template <class C>
struct SigmoidPair {
  C s;
  C one_minus_s;
};

template <class C>
RLLOSS_ALWAYS_INLINE SigmoidPair<C> sigmoid_pair(C z) {
  const C e = fast_exp_in_range(max_value(z < C(0) ? z : -z, kExpMin<C>));  // exp(-|z|) in (0, 1]
  const C inv = C(1) / (C(1) + e);
  const C small = e * inv;
  const bool non_negative = z >= C(0);
  return {non_negative ? inv : small, non_negative ? small : inv};
}

}  // namespace rlloss::kit
