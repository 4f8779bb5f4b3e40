// The plugins' gradients against central finite differences of their own float64 loss, SAPO's
// on-policy gradient against the plain policy gradient, and the log-ratio clamp at extremes.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "loss_test_support.hpp"
#include "reference_loss.hpp"

namespace rlloss::test {
namespace {

// PPO-clip is piecewise smooth; a difference across a kink measures neither side.
bool near_ppo_kink(double log_ratio, double step) {
  const double ratio = std::exp(log_ratio);
  for (const double kink : {0.8, 1.2, 3.0}) {
    if (std::abs(ratio - kink) < 1e3 * step) return true;
  }
  return false;
}

TEST(FiniteDifferences, PluginGradientMatchesCentralDifferencesOfItsLoss) {
  constexpr double kStep = 1e-6;
  for (const auto& loss_mode : kExactGradientLossModes) {
    for (const auto& agg_mode : kAggModes) {
      SCOPED_TRACE(loss_mode + " " + agg_mode);
      const auto loss = make_loss(loss_mode, {{"loss_agg_mode", agg_mode}});
      BatchSpec spec;
      spec.rows = 5;
      spec.cols = 23;
      spec.seed = 77;
      spec.with_weights = true;
      LossInputs inputs = random_batch(spec);
      const PluginResult base = run_plugin(*loss, inputs);

      at::Generator gen = at::detail::createCPUGenerator(5);
      const torch::Tensor picks = torch::randint(0, spec.rows * spec.cols, {24}, gen,
                                                 torch::TensorOptions().dtype(torch::kLong));
      int checked = 0;
      for (int64_t i = 0; i < picks.size(0); ++i) {
        const int64_t flat = picks[i].item<int64_t>();
        const int64_t b = flat / spec.cols;
        const int64_t t = flat % spec.cols;
        const double log_ratio = (inputs.log_prob[b][t] - inputs.old_log_prob[b][t]).item<double>();
        if (loss_mode == "ppo_clip" && near_ppo_kink(log_ratio, kStep)) continue;
        const double original = inputs.log_prob[b][t].item<double>();
        const auto loss_at = [&](double value) {
          inputs.log_prob[b][t] = value;
          return run_plugin(*loss, inputs).loss.item<double>();
        };
        const double numeric =
            (loss_at(original + kStep) - loss_at(original - kStep)) / (2 * kStep);
        inputs.log_prob[b][t] = original;
        const double analytic = base.grad[b][t].item<double>();
        // Truncation ~ step^2 * |l'''| and rounding ~ eps * |loss| / step, both far below 1e-7.
        EXPECT_NEAR(analytic, numeric, 1e-7 * std::max(1.0, std::abs(analytic)))
            << "token [" << b << ", " << t << "]";
        ++checked;
      }
      EXPECT_GT(checked, 10);
    }
  }
}

TEST(SapoOnPolicy, GradientEqualsPlainPolicyGradient) {
  for (const double tau_pos : {1.0, 0.5, 3.0}) {
    const auto loss = make_loss("sapo", {{"tau_pos", std::to_string(tau_pos)}, {"tau_neg", "1.7"}});
    BatchSpec spec;
    spec.rows = 7;
    spec.cols = 37;
    spec.seed = 3;
    LossInputs inputs = random_batch(spec);
    inputs.log_prob = inputs.old_log_prob.clone();
    const PluginResult result = run_plugin(*loss, inputs);
    const torch::Tensor mask = (inputs.response_mask != 0).to(torch::kFloat64);
    const torch::Tensor policy_gradient = -inputs.advantages * mask / mask.sum();
    EXPECT_TRUE(all_close(result.grad, policy_gradient, 1e-15, max_abs(policy_gradient)))
        << "tau_pos " << tau_pos;
    // The gate is 4 / tau * sigmoid(0) = 2 / tau on policy, so the loss is not the PG loss.
    EXPECT_NEAR(result.metrics.at("ratio_mean"), 1.0, 1e-15);
    EXPECT_NEAR(result.metrics.at("grad_weight_mean"), 1.0, 1e-15);
  }
}

// log_prob - old_log_prob = `log_ratio` on every token, both log-probs <= -1 (probabilities, as
// DPPO's divergences need), advantages +-1, full mask.
LossInputs constant_log_ratio_batch(const std::vector<double>& log_ratios, torch::Dtype dtype) {
  const int64_t cols = static_cast<int64_t>(log_ratios.size());
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor log_ratio = torch::tensor(log_ratios, f64).unsqueeze(0).expand({2, cols});
  const torch::Tensor old_log_prob = -1.0 - torch::clamp_min(log_ratio, 0.0);
  LossInputs inputs;
  inputs.old_log_prob = old_log_prob.to(dtype);
  inputs.log_prob = (old_log_prob + log_ratio).to(dtype);
  inputs.advantages = torch::tensor({1.0, -1.0}, f64).unsqueeze(1).expand({2, cols}).to(dtype);
  inputs.response_mask = torch::ones({2, cols}, torch::TensorOptions().dtype(torch::kBool));
  return inputs;
}

TEST(ExtremeLogRatios, FiniteEverywhereAndNoGradientWhereClamped) {
  const std::vector<double> log_ratios = {1e4, -1e4, 88, -88, 100, -100, 19.5, -19.5, 0.1};
  for (const auto& loss_mode : kLossModes) {
    for (const auto dtype : {torch::kFloat64, torch::kFloat32}) {
      for (const auto& agg_mode : kAggModes) {
        SCOPED_TRACE(::testing::Message() << loss_mode << " " << agg_mode << " " << dtype);
        const auto loss = make_loss(loss_mode, {{"loss_agg_mode", agg_mode}});
        const LossInputs inputs = constant_log_ratio_batch(log_ratios, dtype);
        const PluginResult result = run_plugin(*loss, inputs);
        EXPECT_TRUE(std::isfinite(result.loss.item<double>()));
        EXPECT_TRUE(torch::isfinite(result.grad).all().item<bool>()) << result.grad;
        for (const auto& [name, value] : result.metrics) EXPECT_TRUE(std::isfinite(value)) << name;
        // A surrogate's detached factors pass no gradient through the clamp to stop.
        const bool exact = loss_mode == "sapo" || loss_mode == "ppo_clip";
        for (size_t t = 0; exact && t < log_ratios.size(); ++t) {
          if (std::abs(log_ratios[t]) <= 20) continue;
          EXPECT_EQ(result.grad[0][static_cast<int64_t>(t)].item<double>(), 0.0) << log_ratios[t];
          EXPECT_EQ(result.grad[1][static_cast<int64_t>(t)].item<double>(), 0.0) << log_ratios[t];
        }
        // The clamped values themselves agree with the reference.
        const auto expected = reference::reference_loss(loss_mode, loss->args(), inputs);
        const double scale = reference::aggregate(expected.token_loss.abs(), inputs.response_mask,
                                                  agg_mode, inputs.normalisers, 0)
                                 .item<double>();
        const double tolerance = dtype == torch::kFloat64 ? 1e-12 : 1e-5;
        EXPECT_TRUE(all_close(result.loss, expected.loss, tolerance, scale));
        EXPECT_TRUE(all_close(result.grad, expected.grad, tolerance, max_abs(expected.grad)));
      }
    }
  }
}

}  // namespace
}  // namespace rlloss::test
