// The AVX-512 forms of the kit's fast math (kit/simd.hpp), which replace instructions of the
// generic form on the vector path: exp's scaling by 2^k as one VSCALEFPS must give the generic
// shift-and-multiply's value bit for bit (and the whole exp stay within 2 ulp), and
// fast_reciprocal (VRCP14PS and one Newton step) must stay within 2 ulp of 1 / d wherever the
// reciprocal is a normal number. Built with -march=x86-64-v4; skipped on a CPU without AVX-512.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <rlloss/kit/fast_math.hpp>
#include <rlloss/kit/simd.hpp>

namespace rlloss::kit {
namespace {

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
}

#define SKIP_WITHOUT_AVX512() \
  if (!cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512"

template <class T>
using Bits = typename UnsignedOf<T>::type;

template <class T>
Bits<T> bits_of(T x) {
  return bit_cast_value<Bits<T>>(x);
}

// Runs vector_fn on Vec-sized groups of the arguments from `first` to `last`, stepping by `stride`
// bit patterns (upwards in magnitude, so the range may be all negative), and check(argument,
// result) on each lane. Returns how many arguments it checked.
template <class T, class VectorFn, class Check>
int64_t for_each_group(T first, T last, uint64_t stride, VectorFn vector_fn, Check check) {
  constexpr int kLanes = Vec<T>::kLanes;
  T in[kLanes];
  T out[kLanes];
  int64_t checked = 0;
  int filled = 0;
  const auto flush = [&] {
    const Vec<T> result = vector_fn(Vec<T>::load(in));
    result.store(out);
    for (int lane = 0; lane < filled; ++lane) check(in[lane], out[lane]);
    checked += filled;
    filled = 0;
  };
  for (Bits<T> b = bits_of(first); b <= bits_of(last); b += stride) {
    in[filled++] = bit_cast_value<T>(b);
    if (filled == kLanes) flush();
  }
  if (filled > 0) {
    for (int lane = filled; lane < kLanes; ++lane) in[lane] = in[0];
    flush();
  }
  return checked;
}

// times_two_to's AVX-512 form against the generic form (a shift and one multiply, here on
// scalars) for every k that keeps 2^k normal and the mantissas y of [0.5, 2), the range
// fast_exp's polynomial returns, every `stride`th one. Comparing whole exps instead would also
// compare how the compiler contracted the polynomial: Clang fuses a scalar `p * f + c` but not
// the two operator calls of a Vec.
template <class T>
void expect_scaling_equals_the_generic_form(uint64_t stride) {
  using V = Vec<T>;
  constexpr int kMaxExponent = std::numeric_limits<T>::max_exponent - 1;  // 127, 1023
  // fast_exp's shifter: k plus the exponent bias in the low mantissa bits.
  const T shifter = sizeof(T) == 4 ? T(12583039.0f) : T(6755399441056767.0);
  int64_t checked = 0;
  int64_t different = 0;
  T first_y = 0;
  int first_k = 0;
  for (int k = 1 - kMaxExponent; k <= kMaxExponent; ++k) {
    const T shifted = shifter + T(k);
    const auto vector_form = [&](V y) { return times_two_to(y, V(k), V(shifted)); };
    const auto same = [&](T y, T scaled) {
      if (bits_of(scaled) != bits_of(times_two_to(y, T(k), shifted)) && different++ == 0) {
        first_y = y;
        first_k = k;
      }
    };
    checked += for_each_group<T>(T(0.5), T(2) - std::numeric_limits<T>::epsilon(), stride,
                                 vector_form, same);
  }
  EXPECT_GT(checked, 1'000'000);
  EXPECT_EQ(different, 0) << "first at y = " << first_y << ", k = " << first_k;
}

TEST(VectorFastMath, Avx512FloatScalingByTwoToTheKIsTheGenericValue) {
  SKIP_WITHOUT_AVX512();
  expect_scaling_equals_the_generic_form<float>(1021);
}

TEST(VectorFastMath, Avx512DoubleScalingByTwoToTheKIsTheGenericValue) {
  SKIP_WITHOUT_AVX512();
  expect_scaling_equals_the_generic_form<double>(uint64_t{1} << 42);
}

// The whole AVX-512 exp against libm, with the bound the generic one meets (fast_math_test).
template <class T>
void expect_vector_exp_within(double max_ulps, uint64_t stride) {
  double worst = 0;
  T worst_x = 0;
  const auto vector_exp = [](Vec<T> x) { return fast_exp_in_range(x); };
  const auto within = [&](T x, T value) {
    const long double exact = std::exp(static_cast<long double>(x));
    const double error =
        static_cast<double>(std::fabs(value - exact) / (exact * std::numeric_limits<T>::epsilon()));
    if (!(error <= worst)) {
      worst = error;
      worst_x = x;
    }
  };
  const int64_t checked = for_each_group<T>(T(0), kExpMax<T>, stride, vector_exp, within) +
                          for_each_group<T>(-T(0), kExpMin<T>, stride, vector_exp, within);
  EXPECT_GT(checked, 1'000'000);
  EXPECT_LE(worst, max_ulps) << "at x = " << worst_x;
}

TEST(VectorFastMath, Avx512FloatExpWithinTwoUlp) {
  SKIP_WITHOUT_AVX512();
  expect_vector_exp_within<float>(2.0, 257);
}

TEST(VectorFastMath, Avx512DoubleExpWithinTwoUlp) {
  SKIP_WITHOUT_AVX512();
  expect_vector_exp_within<double>(2.0, uint64_t{1} << 38);
}

TEST(VectorFastMath, Avx512ReciprocalWithinTwoUlpWhereverItIsNormal) {
  SKIP_WITHOUT_AVX512();
  // From the smallest normal d to the largest whose reciprocal is still normal, every 61st float:
  // 17 million arguments.
  const float smallest = std::numeric_limits<float>::min();
  const float largest = 1.0f / std::numeric_limits<float>::min();
  double worst = 0;
  float worst_d = 0;
  const auto reciprocal = [](Vec<float> d) { return fast_reciprocal(d); };
  const int64_t checked =
      for_each_group<float>(smallest, largest, 61, reciprocal, [&](float d, float r) {
        const long double exact = 1.0L / d;
        const double error = static_cast<double>(std::fabs(r - exact) /
                                                 (exact * std::numeric_limits<float>::epsilon()));
        if (!(error <= worst)) {
          worst = error;
          worst_d = d;
        }
      });
  EXPECT_GT(checked, 15'000'000);
  EXPECT_LE(worst, 2.0) << "at d = " << worst_d;
}

TEST(VectorFastMath, Avx512ReciprocalOfNanIsNan) {
  SKIP_WITHOUT_AVX512();
  float out[Vec<float>::kLanes];
  fast_reciprocal(Vec<float>(std::numeric_limits<float>::quiet_NaN())).store(out);
  for (const float r : out) EXPECT_TRUE(std::isnan(r));
}

}  // namespace
}  // namespace rlloss::kit
