// Check (6): the same values in other layouts give the same results. Every plugin must take what
// DLPack and the ABI allow: strided and column-major views, a per-row advantage broadcast with
// stride 0, and a bool mask; those must agree with the compact float64 call to 1e-12. float32
// inputs and float masks a plugin may refuse with RLLOSS_ERROR_UNSUPPORTED (the row says so);
// when it takes them, float32 must agree to 1e-4 (with inputs rounded to float32 on both sides)
// and a float mask to 1e-12.
#include <cmath>

#include "check_support.hpp"

namespace rlloss::validate {
namespace {

using Floats = InputLayout::Floats;
using Mask = InputLayout::Mask;
using Order = InputLayout::Order;

constexpr double kExactTolerance = 1e-12;
constexpr double kFloat32Tolerance = 1e-4;

struct LayoutCase {
  InputLayout layout;
  bool optional;  // the plugin may refuse it as unsupported
};

std::vector<LayoutCase> layout_cases() {
  const auto layout = [](Floats floats, Mask mask, Order order, bool broadcast) {
    InputLayout l;
    l.floats = floats;
    l.mask = mask;
    l.order = order;
    l.broadcast_advantages = broadcast;
    return l;
  };
  return {
      {layout(Floats::float64, Mask::boolean, Order::row_major, false), false},
      {layout(Floats::float64, Mask::uint8, Order::padded, false), false},
      {layout(Floats::float64, Mask::uint8, Order::column_major, false), false},
      {layout(Floats::float64, Mask::uint8, Order::row_major, true), false},
      {layout(Floats::float64, Mask::boolean, Order::padded, true), false},
      {layout(Floats::float64, Mask::float64, Order::row_major, false), true},
      {layout(Floats::float64, Mask::float32, Order::column_major, false), true},
      {layout(Floats::float32, Mask::uint8, Order::row_major, false), true},
      {layout(Floats::float32, Mask::boolean, Order::padded, true), true},
  };
}

// The batch with every float rounded to float32, so that a float32 call sees the same values.
Batch rounded_to_float32(Batch batch) {
  for (auto* values :
       {&batch.log_prob, &batch.old_log_prob, &batch.advantages, &batch.is_weights}) {
    for (double& v : *values) v = static_cast<float>(v);
  }
  return batch;
}

// The batch with each row's advantage constant (its first column's), as a broadcast carries it.
Batch with_row_advantages(Batch batch) {
  for (int64_t b = 0; b < batch.rows; ++b) {
    for (int64_t t = 1; t < batch.cols; ++t) {
      batch.advantages[b * batch.cols + t] = batch.advantages[b * batch.cols];
    }
  }
  return batch;
}

}  // namespace

CheckResult check_layouts(const Loss& loss, const CheckOptions& options) {
  const char* name = "layouts";
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{5, 37}, {16, 129}};
  const auto cases = layout_cases();
  WorstError worst;
  std::vector<std::string> refused;
  try {
    const auto variants = all_variants();
    for (size_t s = 0; s < shapes.size(); ++s) {
      for (size_t v = 0; v < variants.size(); ++v) {
        const Batch original = make_batch(shapes[s].first, shapes[s].second, variants[v].is_weights,
                                          batch_seed(options.seed, 7, s, v));
        const DpSettings dp = dp_settings(original, variants[v]);
        for (const LayoutCase& c : cases) {
          Batch batch = c.layout.broadcast_advantages ? with_row_advantages(original) : original;
          const bool float32 = c.layout.floats == Floats::float32;
          if (float32) batch = rounded_to_float32(batch);
          const PluginOutput expected = run_plugin(loss, batch, dp);
          PluginOutput actual;
          try {
            actual = run_plugin(loss, batch, dp, 0, c.layout);
          } catch (const RegistryError& e) {
            if (!c.optional || e.status() != RLLOSS_ERROR_UNSUPPORTED) {
              throw RegistryError(c.layout.label() + ": " + e.what(), e.status());
            }
            if (s == 0 && v == 0) refused.push_back(c.layout.label());
            continue;
          }
          const auto comparison = compare_relative(actual, expected, batch.cols);
          const double tolerance = float32 ? kFloat32Tolerance : kExactTolerance;
          // Scaled to the exact tolerance, so one worst error ranks every layout.
          worst.add(comparison.max_error * kExactTolerance / tolerance,
                    variants[v].label() + " " + batch.shape() + " " + c.layout.label() + " " +
                        comparison.where + " (compact float64)");
        }
      }
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  std::string covered = std::to_string(cases.size()) +
                        " layouts (strided, column-major, broadcast advantages, bool/float masks, "
                        "float32 to 1e-4) x 4 variants x 2 shapes";
  if (!refused.empty()) {
    covered += "; refused as unsupported: ";
    for (size_t i = 0; i < refused.size(); ++i) covered += (i ? "; " : "") + refused[i];
  }
  return make_result(name, loss, worst, kExactTolerance, covered);
}

}  // namespace rlloss::validate
