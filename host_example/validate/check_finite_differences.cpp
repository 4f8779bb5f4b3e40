// Check (1): the plugin's d loss / d log_prob against central finite differences of its own loss.
//
// For a sampled token i with log_prob x: f0, f+ and f- are the plugin's loss at x, x + h, x - h
// (h = 1e-6; the other inputs fixed). central = (f+ - f-) / 2h, forward = (f+ - f0) / h,
// backward = (f0 - f-) / h. G, the scale of the batch, is the largest |gradient| (plugin's or
// central) among its sampled tokens.
//   Kink rule: a token whose one-sided differences disagree, |forward - backward| >
//   tol * (|central| + G), straddles a kink (PPO's clip boundary, the log-ratio clamp) and is
//   skipped: there the derivative is one-sided and central differences mean nothing. Below that
//   threshold a straddled kink moves `central` by less than tol/2, so it cannot cause a false
//   failure. If more than 10% of the sampled tokens are skipped the check fails: a loss must be
//   differentiable almost everywhere.
//   Error of a token: |grad - central| / (|central| + G), which must be <= tol = 1e-6 (float64
//   rounding of the summed loss costs about 1e-7 here).
// Masked tokens are sampled too: their loss differences must be 0 and their gradient 0.
// A plugin with RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT (GSPO, CISPO: factors held constant under a
// stop-gradient) has a gradient that is not the derivative of its loss value, so only its masked
// tokens are compared; the on-policy and reference checks cover the rest.
#include <algorithm>
#include <cmath>
#include <utility>

#include "check_support.hpp"

namespace rlloss::validate {
namespace {

constexpr double kStep = 1e-6;
constexpr double kTolerance = 1e-6;
constexpr double kMaxKinkFraction = 0.1;
constexpr size_t kUnmaskedSamples = 48;
constexpr size_t kMaskedSamples = 4;

// Up to `count` evenly spaced entries of `indices` (all of them when there are few).
std::vector<int64_t> spread_sample(const std::vector<int64_t>& indices, size_t count) {
  if (indices.size() <= count) return indices;
  std::vector<int64_t> sample;
  for (size_t k = 0; k < count; ++k) sample.push_back(indices[k * indices.size() / count]);
  return sample;
}

std::vector<int64_t> sample_tokens(const Batch& batch, bool masked_only) {
  std::vector<int64_t> unmasked, masked;
  for (int64_t i = 0; i < batch.size(); ++i) (batch.mask[i] ? unmasked : masked).push_back(i);
  std::vector<int64_t> sample =
      masked_only ? std::vector<int64_t>{} : spread_sample(unmasked, kUnmaskedSamples);
  const auto masked_sample = spread_sample(masked, kMaskedSamples);
  sample.insert(sample.end(), masked_sample.begin(), masked_sample.end());
  return sample;
}

struct Differences {
  int64_t index;
  double central, forward, backward;
};

struct Tally {
  int64_t checked = 0;
  int64_t kinks = 0;
};

void check_batch(const Loss& loss, const Batch& batch, const DpSettings& dp,
                 const std::string& label, bool masked_only, WorstError& worst, Tally& tally) {
  const PluginOutput base = run_plugin(loss, batch, dp);
  Batch probe = batch;
  std::vector<Differences> points;
  for (const int64_t i : sample_tokens(batch, masked_only)) {
    const double x = batch.log_prob[i];
    const double plus = x + kStep;
    const double minus = x - kStep;
    probe.log_prob[i] = plus;
    const double f_plus = run_plugin(loss, probe, dp).loss;
    probe.log_prob[i] = minus;
    const double f_minus = run_plugin(loss, probe, dp).loss;
    probe.log_prob[i] = x;
    points.push_back({i, (f_plus - f_minus) / (plus - minus), (f_plus - base.loss) / (plus - x),
                      (base.loss - f_minus) / (x - minus)});
  }
  double scale = 0;
  for (const auto& p : points) {
    scale = std::max({scale, std::fabs(base.grad[p.index]), std::fabs(p.central)});
  }
  for (const auto& p : points) {
    if (std::fabs(p.forward - p.backward) > kTolerance * (std::fabs(p.central) + scale)) {
      ++tally.kinks;
      continue;
    }
    ++tally.checked;
    const double grad = base.grad[p.index];
    const double denominator = std::fabs(p.central) + scale;
    const double error = denominator > 0 ? std::fabs(grad - p.central) / denominator : 0.0;
    const int64_t b = p.index / batch.cols;
    const int64_t t = p.index % batch.cols;
    worst.add(error, label + " " + batch.shape() + " token [" + std::to_string(b) + ", " +
                         std::to_string(t) + "]" + (batch.mask[p.index] ? "" : " (masked)") +
                         ": grad " + format_value(grad) + " vs finite difference " +
                         format_value(p.central));
  }
}

}  // namespace

CheckResult check_finite_differences(const Loss& loss, const CheckOptions& options) {
  const char* name = "gradient-vs-fd";
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{5, 13}, {4, 16}, {3, 37}};
  const bool surrogate = (loss.plugin().flags() & RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT) != 0;
  WorstError worst;
  Tally tally;
  try {
    const auto variants = all_variants();
    for (size_t s = 0; s < shapes.size(); ++s) {
      for (size_t v = 0; v < variants.size(); ++v) {
        const Batch batch = make_batch(shapes[s].first, shapes[s].second, variants[v].is_weights,
                                       batch_seed(options.seed, 1, s, v));
        check_batch(loss, batch, dp_settings(batch, variants[v]), variants[v].label(), surrogate,
                    worst, tally);
      }
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  const int64_t sampled = tally.checked + tally.kinks;
  CheckResult result = make_result(
      name, loss, worst, kTolerance,
      surrogate ? std::to_string(tally.checked) +
                      " masked tokens only: the plugin declares a surrogate gradient "
                      "(stop-gradient factors), which differences of its loss cannot "
                      "check"
                : std::to_string(tally.checked) + " tokens over 4 variants x 3 shapes, " +
                      std::to_string(tally.kinks) + " skipped at kinks");
  if (tally.kinks > kMaxKinkFraction * static_cast<double>(sampled)) {
    result.passed = false;
    result.detail = std::to_string(tally.kinks) + " of " + std::to_string(sampled) +
                    " sampled tokens have one-sided differences that disagree (kinks everywhere?)";
  }
  return result;
}

}  // namespace rlloss::validate
