// Vec<T>: two vector registers of T (AVX-512: 32 floats or 16 doubles; AVX2: 16 or 8), so that
// a Math type's token() written once for a scalar C also runs on a group of tokens. The CPU pass
// keeps its per-lane sums in registers (cpu_vector_segment.hpp) instead of staging each token's
// values through memory. CPU only: included by the AVX2 and AVX-512 kernel builds.
//
// Why two registers: the token math is one long chain of dependent operations (sapo: two exps
// and a division), longer than the core's scheduler can cover with one register's chain in
// flight. Every operation of a Vec acts on its two registers in turn, so the instruction stream
// interleaves two independent chains and the core overlaps them. They are two named members, not
// an array: GCC 12 kept arrays of registers returned in a struct (a Math's ImportanceRatio) in
// memory.
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

// Both the AVX2 and the AVX-512 kernel of a plugin define Vec, with different widths, and its
// functions are inline: an inline namespace per instruction set gives each its own symbols, so
// the linker never merges a copy the compiler left out of line with the other kernel's.
#if defined(__AVX512F__)
inline namespace simd_avx512 {
inline constexpr int kRegisterBytes = 64;
#else
inline namespace simd_avx2 {
inline constexpr int kRegisterBytes = 32;
#endif

// GCC's and Clang's vector extension: E repeated N times, with element-wise operators.
template <class E, int N>
struct VectorOf {
  typedef E type __attribute__((vector_size(N * sizeof(E))));
};

// Elements of T in one register.
template <class T>
inline constexpr int kRegisterLanes = kRegisterBytes / static_cast<int>(sizeof(T));

// Whether `address` may be written with Vec::stream(): aligned to a register.
inline bool is_register_aligned(const void* address) {
  return reinterpret_cast<uintptr_t>(address) % kRegisterBytes == 0;
}

// One register's non-temporal store.
#if defined(__AVX512F__)
inline void stream_register(float* to, VectorOf<float, 16>::type value) {
  _mm512_stream_ps(to, bit_cast_value<__m512>(value));
}
inline void stream_register(double* to, VectorOf<double, 8>::type value) {
  _mm512_stream_pd(to, bit_cast_value<__m512d>(value));
}
#else
inline void stream_register(float* to, VectorOf<float, 8>::type value) {
  _mm256_stream_ps(to, bit_cast_value<__m256>(value));
}
inline void stream_register(double* to, VectorOf<double, 4>::type value) {
  _mm256_stream_pd(to, bit_cast_value<__m256d>(value));
}
#endif

template <class T>
struct VecMask {
  using Bits = typename VectorOf<std::conditional_t<sizeof(T) == 4, int32_t, int64_t>,
                                 kRegisterLanes<T>>::type;
  Bits lo, hi;  // all ones where true, zero where false

  friend VecMask operator&(VecMask a, VecMask b) { return {a.lo & b.lo, a.hi & b.hi}; }
  friend VecMask operator|(VecMask a, VecMask b) { return {a.lo | b.lo, a.hi | b.hi}; }
  VecMask operator!() const { return {~lo, ~hi}; }
};

template <class T>
struct Vec {
  static constexpr int kRegisterLanes = rlloss::kit::kRegisterLanes<T>;
  static constexpr int kLanes = 2 * kRegisterLanes;
  using Native = typename VectorOf<T, kRegisterLanes>::type;
  Native lo, hi;  // the first and the last kRegisterLanes tokens

  Vec() = default;
  Vec(Native low, Native high) : lo(low), hi(high) {}
  template <class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>
  explicit Vec(S scalar) {
    for (int lane = 0; lane < kRegisterLanes; ++lane) lo[lane] = static_cast<T>(scalar);
    hi = lo;
  }

  static Vec load(const T* from) {
    Vec x;
    std::memcpy(&x.lo, from, sizeof(Native));
    std::memcpy(&x.hi, from + kRegisterLanes, sizeof(Native));
    return x;
  }
  void store(T* to) const {
    std::memcpy(to, &lo, sizeof(Native));
    std::memcpy(to + kRegisterLanes, &hi, sizeof(Native));
  }
  // store() with non-temporal stores, which write whole cache lines without reading them first
  // and leave them out of the caches; `to` must be aligned to a register (is_register_aligned).
  // Needs _mm_sfence() before another thread may read what was written.
  void stream(T* to) const {
    stream_register(to, lo);
    stream_register(to + kRegisterLanes, hi);
  }

  friend Vec operator+(Vec a, Vec b) { return {a.lo + b.lo, a.hi + b.hi}; }
  friend Vec operator-(Vec a, Vec b) { return {a.lo - b.lo, a.hi - b.hi}; }
  friend Vec operator*(Vec a, Vec b) { return {a.lo * b.lo, a.hi * b.hi}; }
  friend Vec operator/(Vec a, Vec b) { return {a.lo / b.lo, a.hi / b.hi}; }
  friend Vec operator<<(Vec a, int bits) { return {a.lo << bits, a.hi << bits}; }
  Vec operator-() const { return {-lo, -hi}; }
  Vec& operator+=(Vec other) { return *this = *this + other; }
  Vec& operator-=(Vec other) { return *this = *this - other; }
  Vec& operator*=(Vec other) { return *this = *this * other; }
  Vec& operator/=(Vec other) { return *this = *this / other; }

  friend VecMask<T> operator<(Vec a, Vec b) { return {a.lo < b.lo, a.hi < b.hi}; }
  friend VecMask<T> operator>(Vec a, Vec b) { return {a.lo > b.lo, a.hi > b.hi}; }
  friend VecMask<T> operator<=(Vec a, Vec b) { return {a.lo <= b.lo, a.hi <= b.hi}; }
  friend VecMask<T> operator>=(Vec a, Vec b) { return {a.lo >= b.lo, a.hi >= b.hi}; }
  friend VecMask<T> operator==(Vec a, Vec b) { return {a.lo == b.lo, a.hi == b.hi}; }
  friend VecMask<T> operator!=(Vec a, Vec b) { return {a.lo != b.lo, a.hi != b.hi}; }
};

}  // namespace simd_avx512 / simd_avx2

template <class T>
struct ScalarOf<Vec<T>> {
  using type = T;
};

// Vec<uint32_t> (Vec<uint64_t>) has as many lanes as Vec<float> (Vec<double>).
template <class T>
struct UnsignedOf<Vec<T>> {
  using type = Vec<typename UnsignedOf<T>::type>;
};

#if defined(__AVX512F__)
inline namespace simd_avx512 {
#else
inline namespace simd_avx2 {
#endif

// The bits of one Vec as another of the same width (fast_exp's exponent arithmetic).
template <class To, class From>
RLLOSS_ALWAYS_INLINE To bit_cast_value(Vec<From> from) {
  static_assert(sizeof(To) == sizeof(Vec<From>), "bit_cast_value between Vecs of one width");
  using Native = typename To::Native;
  return {reinterpret_cast<Native>(from.lo), reinterpret_cast<Native>(from.hi)};
}

template <class T>
RLLOSS_ALWAYS_INLINE Vec<T> select(VecMask<T> condition, Vec<T> if_true, Vec<T> if_false) {
  return {condition.lo ? if_true.lo : if_false.lo, condition.hi ? if_true.hi : if_false.hi};
}

// One register's worth of bytes, each zero-extended to its lane (vpmovzxb*). Written with
// intrinsics: GCC 12 scalarises __builtin_convertvector from bytes. The AVX-512 forms name every
// lane in a zeroing mask, as register_min below does.
template <class Bits>
RLLOSS_ALWAYS_INLINE Bits widen_bytes(const void* from) {
  constexpr int kCount = static_cast<int>(sizeof(Bits) / sizeof(Bits{}[0]));
#if defined(__AVX512F__)
  if constexpr (kCount == 16) {
    return reinterpret_cast<Bits>(
        _mm512_maskz_cvtepu8_epi32(0xFFFF, _mm_loadu_si128(static_cast<const __m128i*>(from))));
  } else {
    static_assert(kCount == 8, "16 floats or 8 doubles in a register");
    return reinterpret_cast<Bits>(
        _mm512_maskz_cvtepu8_epi64(0xFF, _mm_loadl_epi64(static_cast<const __m128i*>(from))));
  }
#else
  if constexpr (kCount == 8) {
    return reinterpret_cast<Bits>(
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(static_cast<const __m128i*>(from))));
  } else {
    static_assert(kCount == 4, "8 floats or 4 doubles in a register");
    int32_t four;
    std::memcpy(&four, from, sizeof four);
    return reinterpret_cast<Bits>(_mm256_cvtepu8_epi64(_mm_cvtsi32_si128(four)));
  }
#endif
}

// The mask entries of one Vec's tokens (0 or 1, checked before the pass) as a VecMask<T>.
template <class T, class M>
RLLOSS_ALWAYS_INLINE VecMask<T> load_mask(const M* from) {
  using Bits = typename VecMask<T>::Bits;
  if constexpr (sizeof(M) == 1) {
    // 0 or 1, widened to the lane and compared with 0: one widening load and one compare a
    // register, where comparing the bytes before widening them took six instructions.
    return {widen_bytes<Bits>(from) > 0, widen_bytes<Bits>(from + kRegisterLanes<T>) > 0};
  } else {
    using Entries = typename VectorOf<M, kRegisterLanes<T>>::type;
    Entries lo, hi;
    std::memcpy(&lo, from, sizeof lo);
    std::memcpy(&hi, from + kRegisterLanes<T>, sizeof hi);
    return {__builtin_convertvector(lo != M(0), Bits), __builtin_convertvector(hi != M(0), Bits)};
  }
}

// x86's MIN/MAX return their second operand when either is NaN: min_value(a, b) = MIN(b, a) is
// `b < a ? b : a` exactly, as the scalar version. The AVX-512 forms name every lane in a zeroing
// mask: the unmasked ones start from _mm512_undefined_ps(), which GCC 12 reports as
// maybe-uninitialized.
#if defined(__AVX512F__)
inline __m512 register_min(__m512 a, __m512 b) {
  return _mm512_maskz_min_ps(0xFFFF, b, a);
}
inline __m512 register_max(__m512 a, __m512 b) {
  return _mm512_maskz_max_ps(0xFFFF, b, a);
}
inline __m512d register_min(__m512d a, __m512d b) {
  return _mm512_maskz_min_pd(0xFF, b, a);
}
inline __m512d register_max(__m512d a, __m512d b) {
  return _mm512_maskz_max_pd(0xFF, b, a);
}
#else
inline __m256 register_min(__m256 a, __m256 b) {
  return _mm256_min_ps(b, a);
}
inline __m256 register_max(__m256 a, __m256 b) {
  return _mm256_max_ps(b, a);
}
inline __m256d register_min(__m256d a, __m256d b) {
  return _mm256_min_pd(b, a);
}
inline __m256d register_max(__m256d a, __m256d b) {
  return _mm256_max_pd(b, a);
}
#endif

// fast_exp's y * 2^k (kit/fast_math.hpp). AVX-512 scales by 2^k in one instruction (VSCALEFPS
// takes k as a float), where the generic form takes a shift and a multiply; both are exact.
#if defined(__AVX512F__)
inline __m512 register_times_two_to(__m512 y, __m512 k) {
  return _mm512_maskz_scalef_ps(0xFFFF, y, k);
}
inline __m512d register_times_two_to(__m512d y, __m512d k) {
  return _mm512_maskz_scalef_pd(0xFF, y, k);
}

template <class T>
RLLOSS_ALWAYS_INLINE Vec<T> times_two_to(Vec<T> y, Vec<T> k, Vec<T> /*shifted*/) {
  return {register_times_two_to(y.lo, k.lo), register_times_two_to(y.hi, k.hi)};
}

// fast_reciprocal: VRCP14PS (relative error below 2^-14) and one Newton step, r (2 - d r).
inline __m512 register_reciprocal(__m512 d) {
  const __m512 r = _mm512_maskz_rcp14_ps(0xFFFF, d);
  return _mm512_mul_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(2.0f)));
}

inline Vec<float> fast_reciprocal(Vec<float> d) {
  return {register_reciprocal(d.lo), register_reciprocal(d.hi)};
}
#endif

template <class T>
RLLOSS_ALWAYS_INLINE Vec<T> min_value(Vec<T> a, Vec<T> b) {
  return {register_min(a.lo, b.lo), register_min(a.hi, b.hi)};
}
template <class T>
RLLOSS_ALWAYS_INLINE Vec<T> max_value(Vec<T> a, Vec<T> b) {
  return {register_max(a.lo, b.lo), register_max(a.hi, b.hi)};
}

}  // namespace simd_avx512 / simd_avx2
}  // namespace rlloss::kit
