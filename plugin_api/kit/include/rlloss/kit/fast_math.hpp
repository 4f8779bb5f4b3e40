// Branch-free exp and sigmoid that compilers vectorise (no libm call in the hot loop).
// Cephes' range reduction; Cephes' rational approximation in double, a shorter minimax polynomial
// of our own in float; about 1 ulp in float and 2 ulp in double.
#pragma once

#include <cstdint>
#include <cstring>
#include <rlloss/kit/device_macros.hpp>
#include <type_traits>

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

// The per-token math is written once for a scalar C (float or double, on the CPU and in CUDA) and
// for the CPU's vector types (kit/simd.hpp), which specialise these traits: the element type, and
// the unsigned integer of the element's width.
template <class C>
struct ScalarOf {
  using type = C;
};
template <class C>
using Scalar = typename ScalarOf<C>::type;

template <class C>
struct UnsignedOf {
  using type = std::conditional_t<sizeof(C) == 4, uint32_t, uint64_t>;
};

// `condition ? if_true : if_false`, spelt so that the same Math code also compiles for vectors.
template <class C>
RLLOSS_ALWAYS_INLINE C select(bool condition, C if_true, C if_false) {
  return condition ? if_true : if_false;
}

// The range fast_exp_in_range() serves: 2^k stays a normal number, and exp(kExpMin) stands in for
// 0 (1.6e-38 in float, 3.3e-308 in double).
template <class T>
inline constexpr T kExpMin = sizeof(T) == 4 ? T(-87) : T(-708);
template <class T>
inline constexpr T kExpMax = sizeof(T) == 4 ? T(88) : T(709);

// y * 2^k for an integral k that keeps 2^k a normal number, where `shifted` is fast_exp's shifter
// sum, which holds k plus the exponent bias in its low mantissa bits: those bits shifted into the
// exponent field are 2^k. (The shift drops the shifter's own bits; unsigned, so that a NaN, from a
// masked slot, cannot make it overflow.) The AVX-512 Vec overload (kit/simd.hpp) is one VSCALEFP
// instead of the shift and the multiply, with the same value.
template <class C>
RLLOSS_ALWAYS_INLINE C times_two_to(C y, C k, C shifted) {
  (void)k;
  using U = typename UnsignedOf<C>::type;
  constexpr int kMantissaBits = sizeof(Scalar<C>) == 4 ? 23 : 52;
  return y * bit_cast_value<C>(bit_cast_value<U>(shifted) << kMantissaBits);
}

// exp(x) for x in [kExpMin, kExpMax] (or NaN, which gives NaN); no clamp, for callers whose
// argument is already bounded: a clamp is two compare-and-selects per vector in the hot loop.
template <class C>
RLLOSS_ALWAYS_INLINE C fast_exp_in_range(C x) {
  // Adding 1.5 * 2^52 + 1023 (1.5 * 2^23 + 127 in float) rounds x / ln 2 to the nearest integer
  // k and leaves k plus the exponent bias in the low mantissa bits (times_two_to).
  if constexpr (sizeof(Scalar<C>) == 4) {
    const C shifter(12583039.0f);
    const C shifted = x * C(1.44269504088896341f) + shifter;
    const C k = shifted - shifter;
    C f = x - k * C(0.693359375f);
    f = f - k * C(-2.12194440e-4f);
    // exp(f) on |f| <= ln(2) / 2 as a degree-6 polynomial in Horner form: six FMAs, where Cephes'
    // degree-7 form takes eight operations. The coefficients are a minimax fit for relative
    // error (scripts/fit_exp_polynomial.py: 2.0e-9 before rounding them to float); every float
    // in [kExpMin, kExpMax] comes out within 1.06 ulp (Cephes: 1.02), and one step of sapo's
    // AVX-512 loop, two exps, is about 10% faster.
    C p(1.38436537e-3f);
    p = p * f + C(8.37415550e-3f);
    p = p * f + C(4.16680016e-2f);
    p = p * f + C(1.66664317e-1f);
    p = p * f + C(4.99999940e-1f);
    p = p * f + C(1.0f);
    const C y = p * f + C(1.0f);
    return times_two_to(y, k, shifted);
  } else {
    const C shifter(6755399441056767.0);
    const C shifted = x * C(1.4426950408889634073599) + shifter;
    const C k = shifted - shifter;
    C f = x - k * C(6.93145751953125e-1);
    f = f - k * C(1.42860682030941723212e-6);
    const C ff = f * f;
    C p(1.26177193074810590878e-4);
    p = p * ff + C(3.02994407707441961300e-2);
    p = p * ff + C(9.99999999999999999910e-1);
    p = p * f;
    C q(3.00198505138664455042e-6);
    q = q * ff + C(2.52448340349684104192e-3);
    q = q * ff + C(2.27265548208155028766e-1);
    q = q * ff + C(2.00000000000000000009e0);
    const C y = C(1.0) + C(2.0) * (p / (q - p));
    return times_two_to(y, k, shifted);
  }
}

// 1 / d for a normal d whose reciprocal is normal too. A division here; the AVX-512 float Vec
// overload (kit/simd.hpp) is VRCP14PS and one Newton step instead, not correctly rounded but
// within 2 ulp (0.97 at worst over every 61st float of that range, vector_fast_math_test).
template <class C>
RLLOSS_ALWAYS_INLINE C fast_reciprocal(C d) {
  return C(1) / d;
}

// exp(x) for any x: clamped to [kExpMin, kExpMax] first.
template <class C>
RLLOSS_ALWAYS_INLINE C fast_exp(C x) {
  return fast_exp_in_range(max_value(min_value(x, C(kExpMax<Scalar<C>>)), C(kExpMin<Scalar<C>>)));
}

// e = exp(-z) from minus_z = -z, with -z clamped to +-|kExpMin| (87 in float, 708 in double) so
// that e and 1 / (1 + e) stay normal numbers: sigmoid(z) = 1 / (1 + e) and 1 - sigmoid(z) =
// e / (1 + e), neither a difference, and below exp(kExpMin) either reads as exp(kExpMin). For a
// caller that has -z in hand (one fused multiply-add where z would take two operations and a
// negation) and forms its own function of e, as sapo's gate and gradient weight do.
template <class C>
RLLOSS_ALWAYS_INLINE C sigmoid_exp_of_negated(C minus_z) {
  constexpr Scalar<C> kBound = -kExpMin<Scalar<C>>;
  return fast_exp_in_range(max_value(min_value(minus_z, C(kBound)), C(-kBound)));
}

// sigmoid(z) and 1 - sigmoid(z), each without cancellation and finite for any finite z.
template <class C>
struct SigmoidPair {
  C s;
  C one_minus_s;
};

// The pair from minus_z = -z (sigmoid_exp_of_negated above).
template <class C>
RLLOSS_ALWAYS_INLINE SigmoidPair<C> sigmoid_pair_of_negated(C minus_z) {
  const C e = sigmoid_exp_of_negated(minus_z);
  const C s = C(1) / (C(1) + e);
  return {s, e * s};
}

template <class C>
RLLOSS_ALWAYS_INLINE SigmoidPair<C> sigmoid_pair(C z) {
  return sigmoid_pair_of_negated(-z);
}

}  // namespace rlloss::kit
