// The AVX-512 forms of the kit's fast math (kit/simd.hpp), which replace instructions of the
// generic form on the vector path: exp's scaling by 2^k as one VSCALEFPS must give the generic
// shift-and-multiply's value bit for bit, and fast_reciprocal (VRCP14PS and one Newton step) must
// stay within 2 ulp of 1 / d wherever the reciprocal is a normal number. Built with
// -march=x86-64-v4; skipped on a CPU without AVX-512.
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
uint64_t bits_of(T x) {
  if constexpr (sizeof(T) == 4) {
    return bit_cast_value<uint32_t>(x);
  } else {
    return bit_cast_value<uint64_t>(x);
  }
}

// Runs `check(in, out_vector, out_scalar-or-reference)` over Vec-sized groups of the arguments
// from `first` to `last` (bit patterns of positive T, stepping by `stride` patterns).
template <class T, class VectorFn, class Check>
int64_t for_each_group(T first, T last, uint64_t stride, VectorFn vector_fn, Check check) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
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
  for (U b = static_cast<U>(bits_of(first)); b <= static_cast<U>(bits_of(last)); b += stride) {
    in[filled++] = bit_cast_value<T>(b);
    if (filled == kLanes) flush();
  }
  if (filled > 0) {
    for (int lane = filled; lane < kLanes; ++lane) in[lane] = in[0];
    flush();
  }
  return checked;
}

template <class T>
void expect_vector_exp_equals_scalar(uint64_t stride) {
  int64_t checked = 0;
  int64_t different = 0;
  T first_different = 0;
  const auto vector_exp = [](Vec<T> x) { return fast_exp_in_range(x); };
  const auto same = [&](T x, T vector_value) {
    if (bits_of(vector_value) != bits_of(fast_exp_in_range(x))) {
      if (different++ == 0) first_different = x;
    }
  };
  // Both signs: the arguments from 0 to kExpMax, then from -0 to kExpMin.
  checked += for_each_group<T>(T(0), kExpMax<T>, stride, vector_exp, same);
  checked += for_each_group<T>(-T(0), kExpMin<T>, stride, vector_exp, same);
  EXPECT_GT(checked, 1'000'000);
  EXPECT_EQ(different, 0) << "first at x = " << first_different;
}

TEST(VectorFastMath, Avx512FloatExpEqualsTheGenericFormBitForBit) {
  SKIP_WITHOUT_AVX512();
  expect_vector_exp_equals_scalar<float>(257);
}

TEST(VectorFastMath, Avx512DoubleExpEqualsTheGenericFormBitForBit) {
  SKIP_WITHOUT_AVX512();
  expect_vector_exp_equals_scalar<double>(uint64_t{1} << 38);
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
