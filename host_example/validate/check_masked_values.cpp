// Check (2): NaN, +inf and -inf written into the masked slots of log_prob, old_log_prob,
// advantages and rollout_is_weights must leave loss, gradient and metrics bit-identical.
#include <limits>
#include <utility>

#include "check_support.hpp"

namespace rlloss::validate {
namespace {

struct Poison {
  const char* name;
  double values[3];  // cycled over the masked slots
};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr Poison kPoisons[] = {
    {"NaN", {kNaN, kNaN, kNaN}},
    {"+inf", {kInf, kInf, kInf}},
    {"-inf", {-kInf, -kInf, -kInf}},
    {"mixed", {kNaN, kInf, -kInf}},
};

Batch poisoned(const Batch& batch, const Poison& poison) {
  Batch copy = batch;
  int64_t k = 0;
  for (int64_t i = 0; i < batch.size(); ++i) {
    if (batch.mask[i]) continue;
    // Shift the cycle per input so one slot gets different values in different inputs.
    copy.log_prob[i] = poison.values[k % 3];
    copy.old_log_prob[i] = poison.values[(k + 1) % 3];
    copy.advantages[i] = poison.values[(k + 2) % 3];
    if (copy.has_is_weights()) copy.is_weights[i] = poison.values[k % 3];
    ++k;
  }
  return copy;
}

}  // namespace

CheckResult check_masked_values(const Loss& loss, const CheckOptions& options) {
  const char* name = "masked-nan-inf";
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{6, 29}, {8, 64}, {5, 1000}};
  WorstError worst;
  try {
    const auto variants = all_variants();
    for (size_t s = 0; s < shapes.size(); ++s) {
      for (size_t v = 0; v < variants.size(); ++v) {
        const Batch batch = make_batch(shapes[s].first, shapes[s].second, variants[v].is_weights,
                                       batch_seed(options.seed, 2, s, v));
        const DpSettings dp = dp_settings(batch, variants[v]);
        const PluginOutput clean = run_plugin(loss, batch, dp);
        for (const Poison& poison : kPoisons) {
          const auto comparison =
              compare_bitwise(run_plugin(loss, poisoned(batch, poison), dp), clean);
          worst.add(comparison.max_difference,
                    variants[v].label() + " " + batch.shape() + " " + poison.name +
                        " in masked slots: " + comparison.first_difference + " (clean)");
        }
      }
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  return make_result(name, loss, worst, 0.0,
                     "NaN, +inf, -inf, mixed over 4 variants x 3 shapes: bit-identical");
}

}  // namespace rlloss::validate
