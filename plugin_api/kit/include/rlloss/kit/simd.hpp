// Vec<T>: one vector register of T (AVX-512: 16 floats or 8 doubles; AVX2: 8 or 4), so that a
// Math type's token() written once for a scalar C also runs on a register of tokens. The CPU
// pass keeps its per-lane sums in such registers (cpu_vector_segment.hpp) instead of staging each
// token's values through memory. CPU only: included by the AVX2 and AVX-512 kernel builds.
//
// Comparisons give a VecMask<T>; kit::select, &, | and ! take masks as they take bools. min_value
// and max_value keep the scalar versions' NaN behaviour (`b < a ? b : a`: a NaN in `a` comes back),
// which the compiler does not turn into one min/max instruction on its own.
#pragma once

#if !defined(__AVX2__)
#error "rlloss/kit/simd.hpp needs AVX2 (-march=x86-64-v3 or later)"
#endif

#include <immintrin.h>

#include <cstdint>
#include <cstring>
#include <rlloss/kit/fast_math.hpp>
#include <type_traits>

namespace rlloss::kit {

#if defined(__AVX512F__)
inline constexpr int kVectorBytes = 64;
#else
inline constexpr int kVectorBytes = 32;
#endif

// GCC's and Clang's vector extension: E repeated N times, with element-wise operators.
template <class E, int N>
struct VectorOf {
  typedef E type __attribute__((vector_size(N * sizeof(E))));
};

template <class T>
inline constexpr int kVecLanes = kVectorBytes / static_cast<int>(sizeof(T));

template <class T>
struct VecMask {
  using Bits =
      typename VectorOf<std::conditional_t<sizeof(T) == 4, int32_t, int64_t>, kVecLanes<T>>::type;
  Bits bits;  // all ones where true, zero where false

  friend VecMask operator&(VecMask a, VecMask b) { return {a.bits & b.bits}; }
  friend VecMask operator|(VecMask a, VecMask b) { return {a.bits | b.bits}; }
  VecMask operator!() const { return {~bits}; }
};

template <class T>
struct Vec {
  static constexpr int kLanes = kVecLanes<T>;
  using Native = typename VectorOf<T, kLanes>::type;
  Native v;

  Vec() = default;
  explicit Vec(Native native) : v(native) {}
  template <class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>
  explicit Vec(S scalar) {
    for (int lane = 0; lane < kLanes; ++lane) v[lane] = static_cast<T>(scalar);
  }

  static Vec load(const T* from) {
    Vec r;
    std::memcpy(&r.v, from, sizeof r.v);
    return r;
  }
  void store(T* to) const { std::memcpy(to, &v, sizeof v); }

  friend Vec operator+(Vec a, Vec b) { return Vec(a.v + b.v); }
  friend Vec operator-(Vec a, Vec b) { return Vec(a.v - b.v); }
  friend Vec operator*(Vec a, Vec b) { return Vec(a.v * b.v); }
  friend Vec operator/(Vec a, Vec b) { return Vec(a.v / b.v); }
  Vec operator-() const { return Vec(-v); }
  Vec& operator+=(Vec other) { return *this = *this + other; }
  Vec& operator-=(Vec other) { return *this = *this - other; }
  Vec& operator*=(Vec other) { return *this = *this * other; }
  Vec& operator/=(Vec other) { return *this = *this / other; }

  friend VecMask<T> operator<(Vec a, Vec b) { return {a.v < b.v}; }
  friend VecMask<T> operator>(Vec a, Vec b) { return {a.v > b.v}; }
  friend VecMask<T> operator<=(Vec a, Vec b) { return {a.v <= b.v}; }
  friend VecMask<T> operator>=(Vec a, Vec b) { return {a.v >= b.v}; }
  friend VecMask<T> operator==(Vec a, Vec b) { return {a.v == b.v}; }
  friend VecMask<T> operator!=(Vec a, Vec b) { return {a.v != b.v}; }
};

template <class T>
struct ScalarOf<Vec<T>> {
  using type = T;
};

template <class T>
struct UnsignedOf<Vec<T>> {
  using type = typename VectorOf<typename UnsignedOf<T>::type, kVecLanes<T>>::type;
};

template <class T>
RLLOSS_ALWAYS_INLINE Vec<T> select(VecMask<T> condition, Vec<T> if_true, Vec<T> if_false) {
  return Vec<T>(condition.bits ? if_true.v : if_false.v);
}

// The mask entries of one register's tokens (0 or 1, checked before the pass) as a VecMask<T>.
template <class T, class M>
RLLOSS_ALWAYS_INLINE VecMask<T> load_mask(const M* from) {
  typename VectorOf<M, kVecLanes<T>>::type entries;
  std::memcpy(&entries, from, sizeof entries);
  return {__builtin_convertvector(entries != M(0), typename VecMask<T>::Bits)};
}

// x86's MIN/MAX return their second operand when either is NaN: min_value(a, b) = MIN(b, a) is
// `b < a ? b : a` exactly, as the scalar version. The AVX-512 forms name every lane in a zeroing
// mask: the unmasked ones start from _mm512_undefined_ps(), which GCC 12 reports as
// maybe-uninitialized.
#if defined(__AVX512F__)
RLLOSS_ALWAYS_INLINE Vec<float> min_value(Vec<float> a, Vec<float> b) {
  return Vec<float>(_mm512_maskz_min_ps(0xFFFF, b.v, a.v));
}
RLLOSS_ALWAYS_INLINE Vec<float> max_value(Vec<float> a, Vec<float> b) {
  return Vec<float>(_mm512_maskz_max_ps(0xFFFF, b.v, a.v));
}
RLLOSS_ALWAYS_INLINE Vec<double> min_value(Vec<double> a, Vec<double> b) {
  return Vec<double>(_mm512_maskz_min_pd(0xFF, b.v, a.v));
}
RLLOSS_ALWAYS_INLINE Vec<double> max_value(Vec<double> a, Vec<double> b) {
  return Vec<double>(_mm512_maskz_max_pd(0xFF, b.v, a.v));
}
#else
RLLOSS_ALWAYS_INLINE Vec<float> min_value(Vec<float> a, Vec<float> b) {
  return Vec<float>(_mm256_min_ps(b.v, a.v));
}
RLLOSS_ALWAYS_INLINE Vec<float> max_value(Vec<float> a, Vec<float> b) {
  return Vec<float>(_mm256_max_ps(b.v, a.v));
}
RLLOSS_ALWAYS_INLINE Vec<double> min_value(Vec<double> a, Vec<double> b) {
  return Vec<double>(_mm256_min_pd(b.v, a.v));
}
RLLOSS_ALWAYS_INLINE Vec<double> max_value(Vec<double> a, Vec<double> b) {
  return Vec<double>(_mm256_max_pd(b.v, a.v));
}
#endif

}  // namespace rlloss::kit
