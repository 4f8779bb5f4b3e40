// float16 and bfloat16 as the interpreted device loads and stores them, on every 16-bit pattern,
// against references written from the formats' definitions: a 16-bit value decoded with ldexp,
// and rounding as "the representable value nearest to x, ties to the even pattern; beyond the
// largest finite value by half a step, infinity" found by searching the sorted table of every
// finite value, not by manipulating bits as the code under test does. NaN becomes 0x7fff, as
// CUDA's __float2half_rn and __float2bfloat16_rn return it.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace {

struct Format {
  int exponent_bits;
  int mantissa_bits;
};
constexpr Format kHalf{5, 10};
constexpr Format kBfloat16{8, 7};

// The value of a 16-bit pattern, from the definition of the format.
double decode(uint16_t bits, Format f) {
  const int sign = bits >> 15 ? -1 : 1;
  const int exponent = (bits >> f.mantissa_bits) & ((1 << f.exponent_bits) - 1);
  const int mantissa = bits & ((1 << f.mantissa_bits) - 1);
  const int bias = (1 << (f.exponent_bits - 1)) - 1;
  if (exponent == (1 << f.exponent_bits) - 1) {
    return mantissa == 0 ? sign * std::numeric_limits<double>::infinity()
                         : std::numeric_limits<double>::quiet_NaN();
  }
  if (exponent == 0) return sign * std::ldexp(mantissa, 1 - bias - f.mantissa_bits);
  return sign * std::ldexp((1 << f.mantissa_bits) + mantissa, exponent - bias - f.mantissa_bits);
}

// The non-negative finite patterns in increasing order of value (they are: 0x0000 upwards).
struct Table {
  std::vector<uint16_t> bits;
  std::vector<double> values;
};

Table finite_table(Format f) {
  Table t;
  for (uint32_t b = 0; b < 0x8000; ++b) {
    const double v = decode(static_cast<uint16_t>(b), f);
    if (!std::isfinite(v)) break;
    t.bits.push_back(static_cast<uint16_t>(b));
    t.values.push_back(v);
  }
  return t;
}

uint16_t reference_round(float x, const Table& t) {
  if (std::isnan(x)) return 0x7fff;
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(x));
  const double largest = t.values.back();
  const double step = largest - t.values[t.values.size() - 2];
  if (a >= largest + step / 2) return sign | (t.bits.back() + 1);  // the infinity pattern
  const auto above = std::lower_bound(t.values.begin(), t.values.end(), a);
  if (above == t.values.end()) return sign | t.bits.back();
  if (*above == a || above == t.values.begin()) return sign | t.bits[above - t.values.begin()];
  const size_t hi = static_cast<size_t>(above - t.values.begin());
  const double up = t.values[hi] - a;
  const double down = a - t.values[hi - 1];
  if (up < down) return sign | t.bits[hi];
  if (down < up) return sign | t.bits[hi - 1];
  return sign | ((t.bits[hi] & 1) == 0 ? t.bits[hi] : t.bits[hi - 1]);
}

uint16_t half_bits(float x) {
  return __float2half_rn(x).__x;
}
uint16_t bfloat16_bits(float x) {
  return __float2bfloat16_rn(x).__x;
}

// Around every representable value: itself, the midpoint to the next (exact in float, which has
// more bits than either format), and the floats just either side of that midpoint.
template <class Round>
void check_rounding(Format f, Round round, const char* name) {
  const Table t = finite_table(f);
  int64_t checked = 0;
  for (size_t i = 0; i < t.values.size(); ++i) {
    const double next =
        i + 1 < t.values.size() ? t.values[i + 1] : t.values[i] + (t.values[i] - t.values[i - 1]);
    const float v = static_cast<float>(t.values[i]);
    const float mid = static_cast<float>((t.values[i] + next) / 2);
    ASSERT_EQ(static_cast<double>(mid), (t.values[i] + next) / 2) << "midpoint exact in float";
    for (const float x : {v, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY)}) {
      for (const float signed_x : {x, -x}) {
        ASSERT_EQ(round(signed_x), reference_round(signed_x, t))
            << name << " of " << signed_x << " (pattern " << t.bits[i] << ")";
        ++checked;
      }
    }
  }
  // Random floats over the whole range, and the special values.
  std::mt19937 rng(7);
  for (int k = 0; k < 1000000; ++k) {
    uint32_t bits = rng();
    float x;
    std::memcpy(&x, &bits, sizeof x);
    ASSERT_EQ(round(x), reference_round(x, t)) << name << " of " << x;
  }
  EXPECT_EQ(round(INFINITY), t.bits.back() + 1);
  EXPECT_EQ(round(-INFINITY), 0x8000 | (t.bits.back() + 1));
  EXPECT_EQ(round(std::nanf("")), 0x7fff);
  EXPECT_EQ(round(-std::nanf("")), 0x7fff);
  EXPECT_GT(checked, 4 * 30000);
}

TEST(InterpConversions, HalfToFloatIsExactOnEveryPattern) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const double want = decode(static_cast<uint16_t>(b), kHalf);
    const float got = __half2float(__half{static_cast<uint16_t>(b)});
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << b;
    } else {
      ASSERT_EQ(static_cast<double>(got), want) << "pattern " << b;
      ASSERT_EQ(std::signbit(got), (b & 0x8000) != 0) << "pattern " << b;
    }
  }
}

TEST(InterpConversions, Bfloat16ToFloatIsExactOnEveryPattern) {
  for (uint32_t b = 0; b <= 0xffff; ++b) {
    const double want = decode(static_cast<uint16_t>(b), kBfloat16);
    const float got = __bfloat162float(__nv_bfloat16{static_cast<uint16_t>(b)});
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << b;
    } else {
      ASSERT_EQ(static_cast<double>(got), want) << "pattern " << b;
    }
  }
}

TEST(InterpConversions, FloatToHalfRoundsToNearestEvenAroundEveryPattern) {
  check_rounding(kHalf, half_bits, "__float2half_rn");
  EXPECT_EQ(half_bits(65519.99f), 0x7bff);  // below 65520, the midpoint to infinity
  EXPECT_EQ(half_bits(65520.0f), 0x7c00);
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -25)), 0x0000);  // a tie with zero goes to zero
  EXPECT_EQ(half_bits(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
}

TEST(InterpConversions, FloatToBfloat16RoundsToNearestEvenAroundEveryPattern) {
  check_rounding(kBfloat16, bfloat16_bits, "__float2bfloat16_rn");
  EXPECT_EQ(bfloat16_bits(1.00390625f), 0x3f80);  // 1 + 2^-8: a tie, to the even 1.0
  EXPECT_EQ(bfloat16_bits(std::numeric_limits<float>::max()), 0x7f80);
}

}  // namespace
