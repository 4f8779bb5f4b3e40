// The kit's branch-free exp and sigmoid (kit/fast_math.hpp), which every shipped loss runs on the
// CPU and in CUDA, against libm in long double: exp within 2 ulp over the whole range it serves,
// sigmoid and 1 - sigmoid each within 2 ulp of their own value (neither a difference that loses
// digits), NaN kept, and the documented floor at exp(kExpMin) for arguments beyond it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <rlloss/kit/fast_math.hpp>
#include <vector>

namespace rlloss::kit {
namespace {

// |actual - expected| in units of T's epsilon times |expected|.
template <class T>
double ulps(T actual, long double expected) {
  return static_cast<double>(std::fabs(static_cast<long double>(actual) - expected) /
                             (std::fabs(expected) * std::numeric_limits<T>::epsilon()));
}

// n + 1 points from lo to hi, ends included, plus the integers and half-integers between (a
// reduction k = round(x / ln 2) changes there).
template <class T>
std::vector<T> grid(T lo, T hi, int n) {
  std::vector<T> xs;
  for (int i = 0; i <= n; ++i) xs.push_back(lo + (hi - lo) * static_cast<T>(i) / static_cast<T>(n));
  for (T x = std::ceil(lo); x <= hi; x += T(0.5)) xs.push_back(x);
  return xs;
}

template <class T>
void expect_exp_within(double max_ulps, int points) {
  double worst = 0;
  T worst_x = 0;
  for (const T x : grid(kExpMin<T>, kExpMax<T>, points)) {
    const double error = ulps(fast_exp_in_range(x), std::exp(static_cast<long double>(x)));
    if (error > worst) {
      worst = error;
      worst_x = x;
    }
  }
  EXPECT_LE(worst, max_ulps) << "at x = " << worst_x;
}

TEST(FastExp, FloatWithinTwoUlpOverItsRange) {
  expect_exp_within<float>(2.0, 400000);
}

// The float polynomial is our own minimax fit (scripts/fit_exp_polynomial.py); Cephes' degree-7
// form reaches 1.02 ulp on every float of the range, the degree-6 fit 1.06, and a degree-5 fit
// 2.02. Every 64th float from kExpMin to kExpMax, 35 million arguments, in both signs.
TEST(FastExp, FloatWithinOneAndAHalfUlpOnEvery64thFloatOfItsRange) {
  const auto bits = [](float x) { return bit_cast_value<uint32_t>(x); };
  double worst = 0;
  float worst_x = 0;
  int64_t checked = 0;
  for (const float end : {kExpMin<float>, kExpMax<float>}) {
    for (uint32_t b = bits(std::copysign(0.0f, end)); b <= bits(end); b += 64) {
      const float x = bit_cast_value<float>(b);
      const double error = ulps(fast_exp_in_range(x), std::exp(static_cast<double>(x)));
      ++checked;
      if (error > worst) {
        worst = error;
        worst_x = x;
      }
    }
  }
  EXPECT_GT(checked, 30'000'000);
  EXPECT_LE(worst, 1.5) << "at x = " << worst_x;
}

TEST(FastExp, DoubleWithinTwoUlpOverItsRange) {
  expect_exp_within<double>(2.0, 400000);
}

TEST(FastExp, ExpOfZeroIsExactlyOne) {
  EXPECT_EQ(fast_exp_in_range(0.0f), 1.0f);
  EXPECT_EQ(fast_exp_in_range(0.0), 1.0);
}

TEST(FastExp, NanStaysNanAndTheClampedFormTakesAnyArgument) {
  EXPECT_TRUE(std::isnan(fast_exp_in_range(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(fast_exp_in_range(std::numeric_limits<double>::quiet_NaN())));
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_LE(ulps(fast_exp(inf), std::exp(static_cast<long double>(kExpMax<float>))), 2.0);
  EXPECT_LE(ulps(fast_exp(-inf), std::exp(static_cast<long double>(kExpMin<float>))), 2.0);
  EXPECT_LE(ulps(fast_exp(1e30), std::exp(static_cast<long double>(kExpMax<double>))), 2.0);
}

// `negated`: through sigmoid_pair_of_negated(-z), whose e = sigmoid_exp_of_negated(-z) is what
// sapo forms its gate from, instead of sigmoid_pair(z).
template <class T>
void expect_sigmoid_within(double max_ulps, bool negated = false) {
  const T bound = -kExpMin<T>;
  double worst = 0;
  T worst_z = 0;
  for (const T z : grid(-bound, bound, 200000)) {
    const auto pair = negated ? sigmoid_pair_of_negated(-z) : sigmoid_pair(z);
    const long double e = std::exp(-static_cast<long double>(z));
    const double error =
        std::max(ulps(pair.s, 1.0L / (1.0L + e)), ulps(pair.one_minus_s, e / (1.0L + e)));
    if (error > worst) {
      worst = error;
      worst_z = z;
    }
  }
  EXPECT_LE(worst, max_ulps) << "at z = " << worst_z;
}

TEST(SigmoidPair, FloatBothHalvesWithinTwoUlp) {
  expect_sigmoid_within<float>(2.0);
}

TEST(SigmoidPair, DoubleBothHalvesWithinTwoUlp) {
  expect_sigmoid_within<double>(2.0);
}

TEST(SigmoidPair, OfTheNegatedArgumentWithinTwoUlp) {
  expect_sigmoid_within<float>(2.0, true);
  expect_sigmoid_within<double>(2.0, true);
}

TEST(SigmoidPair, BeyondTheRangeTheSmallHalfFloorsAtExpOfKExpMin) {
  const float floor = std::exp(kExpMin<float>);
  for (const float z : {100.0f, 1e30f, std::numeric_limits<float>::infinity()}) {
    const auto high = sigmoid_pair(z);
    EXPECT_EQ(high.s, 1.0f) << z;
    EXPECT_NEAR(high.one_minus_s, floor, floor * 1e-6f) << z;
    EXPECT_TRUE(std::isnormal(high.one_minus_s)) << z;
    const auto low = sigmoid_pair(-z);
    EXPECT_NEAR(low.s, floor, floor * 1e-6f) << z;
    EXPECT_EQ(low.one_minus_s, 1.0f) << z;
    EXPECT_TRUE(std::isnormal(low.s)) << z;
  }
  const auto nan = sigmoid_pair(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(std::isnan(nan.s));
  EXPECT_TRUE(std::isnan(nan.one_minus_s));
}

}  // namespace
}  // namespace rlloss::kit
