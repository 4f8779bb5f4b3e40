// The autograd binding: backward() through a plugin loss gives the float64 reference gradient,
// scales with the incoming gradient, composes with other terms, and reports metrics and errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "loss_test_support.hpp"
#include "reference_loss.hpp"

namespace rlloss::test {
namespace {

using ::testing::HasSubstr;

LossInputs batch(uint64_t seed, torch::Dtype dtype = torch::kFloat64) {
  BatchSpec spec;
  spec.rows = 6;
  spec.cols = 29;
  spec.seed = seed;
  spec.dtype = dtype;
  spec.with_weights = true;
  LossInputs inputs = random_batch(spec);
  inputs.log_prob = inputs.log_prob.detach().requires_grad_(true);
  return inputs;
}

class AutogradBinding : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& loss_mode() const { return GetParam(); }
};

TEST_P(AutogradBinding, BackwardGivesTheReferenceGradient) {
  for (const auto& agg_mode : kAggModes) {
    SCOPED_TRACE(agg_mode);
    const auto args = resolve_args(loss_mode(), {{"loss_agg_mode", agg_mode}});
    const auto loss = plugin_registry().create(loss_mode(), args);
    const LossInputs inputs = batch(1);
    const LossOutput output = compute_loss(*loss, inputs);
    EXPECT_TRUE(output.loss.requires_grad());
    EXPECT_EQ(output.loss.dim(), 0);
    output.loss.backward();
    const auto expected = reference::reference_loss(loss_mode(), args, inputs);
    EXPECT_NEAR(output.loss.item<double>(), expected.loss.item<double>(), 1e-12);
    EXPECT_TRUE(all_close(inputs.log_prob.grad(), expected.grad, 1e-12, max_abs(expected.grad)));
  }
}

TEST_P(AutogradBinding, LossScaledBeforeBackward) {
  const auto loss = make_loss(loss_mode());
  const LossInputs once = batch(2);
  compute_loss(*loss, once).loss.backward();
  const LossInputs scaled = batch(2);
  (3.5 * compute_loss(*loss, scaled).loss).backward();
  EXPECT_TRUE(all_close(scaled.log_prob.grad(), 3.5 * once.log_prob.grad(), 1e-15,
                        max_abs(once.log_prob.grad())));
}

TEST_P(AutogradBinding, LossInALargerGraph) {
  const auto args = resolve_args(loss_mode());
  const auto loss = plugin_registry().create(loss_mode(), args);
  // log_prob is computed from a leaf, as a policy's log-softmax would be.
  const torch::Tensor logits = batch(3).log_prob.detach().requires_grad_(true);
  LossInputs inputs = batch(3);
  inputs.log_prob = logits * 1.0;
  const torch::Tensor extra = 0.1 * (logits * logits).sum();
  const torch::Tensor total = compute_loss(*loss, inputs).loss * 2.0 + extra;
  total.backward();
  const auto expected = reference::reference_loss(loss_mode(), args, inputs);
  const torch::Tensor want = 2.0 * expected.grad + 0.2 * logits.detach();
  EXPECT_TRUE(all_close(logits.grad(), want, 1e-12, max_abs(want)));
}

TEST_P(AutogradBinding, TwoLossesAccumulate) {
  const auto loss = make_loss(loss_mode());
  const LossInputs inputs = batch(4);
  const torch::Tensor first = compute_loss(*loss, inputs).loss;
  const torch::Tensor second = compute_loss(*loss, inputs).loss;
  (first - 0.5 * second).backward();
  const auto expected = reference::reference_loss(loss_mode(), loss->args(), inputs);
  EXPECT_TRUE(
      all_close(inputs.log_prob.grad(), 0.5 * expected.grad, 1e-12, max_abs(expected.grad)));
}

TEST_P(AutogradBinding, LogProbWithoutGrad) {
  const auto loss = make_loss(loss_mode());
  LossInputs inputs = batch(5);
  inputs.log_prob = inputs.log_prob.detach();
  const LossOutput output = compute_loss(*loss, inputs);
  EXPECT_FALSE(output.loss.requires_grad());
  const auto expected = reference::reference_loss(loss_mode(), loss->args(), inputs);
  EXPECT_NEAR(output.loss.item<double>(), expected.loss.item<double>(), 1e-12);
  // Under NoGradGuard as well (an evaluation loop).
  const torch::NoGradGuard no_grad;
  const LossOutput evaluated = compute_loss(*loss, batch(5));
  EXPECT_FALSE(evaluated.loss.requires_grad());
  EXPECT_DOUBLE_EQ(evaluated.loss.item<double>(), output.loss.item<double>());
}

TEST_P(AutogradBinding, Float32KeepsItsDtype) {
  const auto args = resolve_args(loss_mode());
  const auto loss = plugin_registry().create(loss_mode(), args);
  const LossInputs inputs = batch(6, torch::kFloat32);
  const LossOutput output = compute_loss(*loss, inputs);
  EXPECT_EQ(output.loss.scalar_type(), torch::kFloat32);
  output.loss.backward();
  EXPECT_EQ(inputs.log_prob.grad().scalar_type(), torch::kFloat32);
  const auto expected = reference::reference_loss(loss_mode(), args, inputs);
  EXPECT_TRUE(all_close(inputs.log_prob.grad(), expected.grad, 1e-5, max_abs(expected.grad)));
}

TEST_P(AutogradBinding, MetricsMapHasEveryMetric) {
  const auto loss = make_loss(loss_mode());
  const LossInputs inputs = batch(7);
  const LossOutput output = compute_loss(*loss, inputs);
  const auto names = loss->metric_names();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(output.metrics.size(), names.size());
  const auto expected = reference::reference_loss(loss_mode(), loss->args(), inputs);
  for (const auto& name : names) {
    ASSERT_EQ(output.metrics.count(name), 1u) << name;
    const torch::Tensor& value = output.metrics.at(name);
    EXPECT_EQ(value.dim(), 0) << name;
    EXPECT_EQ(value.scalar_type(), torch::kFloat64) << name;
    EXPECT_FALSE(value.requires_grad()) << name;
    ASSERT_EQ(expected.metrics.count(name), 1u) << name;
    EXPECT_NEAR(value.item<double>(), expected.metrics.at(name),
                1e-12 * (1 + std::abs(expected.metrics.at(name))))
        << name;
  }
}

TEST_P(AutogradBinding, PluginErrorSurfacesWithItsMessage) {
  const auto loss = make_loss(loss_mode());
  LossInputs inputs = batch(8);
  inputs.advantages = inputs.advantages.slice(0, 0, 5);
  try {
    compute_loss(*loss, inputs);
    FAIL() << "expected a RegistryError";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("plugin '" + loss_mode() + "' compute failed"));
    EXPECT_THAT(e.what(), HasSubstr("advantages has shape [5, 29], expected [6, 29]"));
  }
}

INSTANTIATE_TEST_SUITE_P(BothPlugins, AutogradBinding, ::testing::ValuesIn(kLossModes));

}  // namespace
}  // namespace rlloss::test
