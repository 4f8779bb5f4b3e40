// Both plugins against the independent float64 LibTorch reference, for every aggregation mode,
// float64 and float32 inputs, many shapes, masks, layouts and optional inputs.
//
// Tolerances, relative to the scale of what is compared (the infinity norm of the reference
// gradient; the aggregate of |per-token loss| for the loss; 1 + |value| for metrics):
//   float64 inputs: 1e-12. The plugin's exp is within 2 ulp and its sums are reordered.
//   float32 inputs: 1e-5. The plugin computes in float32 (eps 6e-8): the log-ratio is rounded
//   once (<= 1 ulp of |log_prob|), exp and sigmoid add a few ulp, and the loss and metric sums run
//   in float32 lanes over up to 1024 tokens each, whose rounding grows like sqrt(n) * eps ~ 2e-6.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "loss_test_support.hpp"
#include "reference_loss.hpp"

namespace rlloss::test {
namespace {

using AgreementParam = std::tuple<std::string, std::string, torch::Dtype>;

class ReferenceAgreement : public ::testing::TestWithParam<AgreementParam> {
 protected:
  const std::string& loss_mode() const { return std::get<0>(GetParam()); }
  const std::string& agg_mode() const { return std::get<1>(GetParam()); }
  torch::Dtype dtype() const { return std::get<2>(GetParam()); }
  double tolerance() const { return dtype() == torch::kFloat64 ? 1e-12 : 1e-5; }

  BatchSpec spec(int64_t rows, int64_t cols, uint64_t seed) const {
    BatchSpec s;
    s.rows = rows;
    s.cols = cols;
    s.seed = seed;
    s.dtype = dtype();
    return s;
  }

  void expect_agrees(const LossInputs& inputs, const ArgList& extra_args = {}) const {
    ArgList overrides = {{"loss_agg_mode", agg_mode()}};
    overrides.insert(overrides.end(), extra_args.begin(), extra_args.end());
    const LossArgs args = resolve_args(loss_mode(), overrides);
    const auto loss = plugin_registry().create(loss_mode(), args);

    const reference::ReferenceResult expected =
        reference::reference_loss(loss_mode(), args, inputs);
    const PluginResult actual = run_plugin(*loss, inputs);

    const double loss_scale =
        reference::aggregate(expected.token_loss.abs(), inputs.response_mask, agg_mode(),
                             inputs.normalisers, args.number("loss_scale_factor"))
            .item<double>();
    EXPECT_TRUE(all_close(actual.loss, expected.loss, tolerance(), loss_scale)) << "loss";
    EXPECT_TRUE(all_close(actual.grad, expected.grad, tolerance(), max_abs(expected.grad)))
        << "d loss / d log_prob";
    EXPECT_TRUE(std::isfinite(actual.loss.item<double>()));
    EXPECT_EQ(actual.metrics.size(), expected.metrics.size());
    for (const auto& [name, value] : expected.metrics) {
      ASSERT_EQ(actual.metrics.count(name), 1u) << "plugin lacks metric " << name;
      EXPECT_NEAR(actual.metrics.at(name), value, tolerance() * (1 + std::abs(value)))
          << "metric " << name;
    }
  }
};

TEST_P(ReferenceAgreement, ManyShapesRaggedMasksEveryMaskDtype) {
  const std::vector<std::pair<int64_t, int64_t>> shapes = {
      {1, 1}, {1, 37}, {7, 37}, {3, 1000}, {5, 16}, {4, 33}, {16, 1}, {2, 17}, {9, 130}};
  const std::vector<torch::Dtype> mask_dtypes = {torch::kBool, torch::kUInt8, torch::kFloat32,
                                                 torch::kFloat64};
  uint64_t seed = 100;
  for (const auto& [rows, cols] : shapes) {
    for (const MaskKind kind : {MaskKind::ragged_prefix, MaskKind::random_holes}) {
      BatchSpec s = spec(rows, cols, ++seed);
      s.mask = kind;
      s.mask_dtype = mask_dtypes[seed % mask_dtypes.size()];
      SCOPED_TRACE(::testing::Message() << rows << "x" << cols << " seed " << seed);
      expect_agrees(random_batch(s));
    }
  }
}

TEST_P(ReferenceAgreement, EveryMaskDtype) {
  for (const torch::Dtype mask_dtype :
       {torch::kBool, torch::kUInt8, torch::kFloat32, torch::kFloat64}) {
    BatchSpec s = spec(7, 37, 7);
    s.mask_dtype = mask_dtype;
    SCOPED_TRACE(::testing::Message() << "mask dtype " << mask_dtype);
    expect_agrees(random_batch(s));
  }
}

TEST_P(ReferenceAgreement, ImportanceSamplingWeights) {
  for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{7, 37}, {3, 1000}}) {
    BatchSpec s = spec(rows, cols, 11);
    s.with_weights = true;
    expect_agrees(random_batch(s));
  }
}

TEST_P(ReferenceAgreement, ZeroAdvantages) {
  BatchSpec s = spec(7, 37, 12);
  s.zero_advantages = true;
  s.with_weights = true;
  expect_agrees(random_batch(s));
}

TEST_P(ReferenceAgreement, FullyMaskedBatchAndFullMask) {
  for (const MaskKind kind : {MaskKind::empty, MaskKind::full}) {
    BatchSpec s = spec(5, 19, 13);
    s.mask = kind;
    const LossInputs inputs = random_batch(s);
    expect_agrees(inputs);
    if (kind == MaskKind::empty) {
      const PluginResult result =
          run_plugin(*make_loss(loss_mode(), {{"loss_agg_mode", agg_mode()}}), inputs);
      EXPECT_EQ(result.loss.item<double>(), 0.0);
      EXPECT_EQ(max_abs(result.grad), 0.0);
      for (const auto& [name, value] : result.metrics) EXPECT_EQ(value, 0.0) << name;
    }
  }
}

TEST_P(ReferenceAgreement, EmptyDimensions) {
  for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{0, 5}, {3, 0}}) {
    SCOPED_TRACE(::testing::Message() << rows << "x" << cols);
    expect_agrees(random_batch(spec(rows, cols, 20)));
  }
}

TEST_P(ReferenceAgreement, AdvantagesBroadcastWithStrideZero) {
  LossInputs inputs = random_batch(spec(7, 37, 14));
  inputs.advantages = inputs.advantages.select(1, 0).unsqueeze(1).expand({7, 37});
  ASSERT_EQ(inputs.advantages.stride(1), 0);
  expect_agrees(inputs);
}

TEST_P(ReferenceAgreement, NonContiguousStridedViews) {
  for (int kind = 0; kind < 3; ++kind) {
    BatchSpec s = spec(7, 37, 15 + kind);
    s.with_weights = true;
    s.mask_dtype = kind == 1 ? torch::kFloat32 : torch::kUInt8;
    LossInputs inputs = random_batch(s);
    inputs.log_prob = as_strided_layout(inputs.log_prob, kind);
    inputs.old_log_prob = as_strided_layout(inputs.old_log_prob, (kind + 1) % 3);
    inputs.advantages = as_strided_layout(inputs.advantages, (kind + 2) % 3);
    inputs.response_mask = as_strided_layout(inputs.response_mask, kind);
    inputs.rollout_is_weights = as_strided_layout(*inputs.rollout_is_weights, (kind + 1) % 3);
    ASSERT_FALSE(inputs.log_prob.is_contiguous());
    SCOPED_TRACE(::testing::Message() << "layout " << kind);
    expect_agrees(inputs);
  }
}

TEST_P(ReferenceAgreement, GlobalNormalisersAndDpSize) {
  LossInputs inputs = random_batch(spec(7, 37, 18));
  const torch::Tensor lengths = (inputs.response_mask.to(torch::kFloat64) != 0).sum(-1);
  inputs.normalisers.global_token_count = 3 * lengths.sum().item<int64_t>() + 1;
  inputs.normalisers.global_seq_count = 2 * (lengths > 0).sum().item<int64_t>() + 1;
  inputs.normalisers.dp_size = 4;
  expect_agrees(inputs);
}

TEST_P(ReferenceAgreement, ExplicitLossScaleFactorAndArguments) {
  ArgList extra = {{"loss_scale_factor", "64"}, {"clip_ratio_high", "0.28"}};
  if (loss_mode() == "sapo") {
    extra.insert(extra.end(), {{"tau_pos", "0.7"}, {"tau_neg", "2.5"}});
  } else if (loss_mode() == "ppo_clip") {
    extra.insert(extra.end(), {{"clip_ratio_low", "0.1"}, {"clip_ratio_c", "1.5"}});
  } else if (loss_mode() == "gspo") {
    // GSPO's paper ranges, so that whole rows clip.
    extra = {{"loss_scale_factor", "64"}, {"clip_ratio_low", "3e-4"}, {"clip_ratio_high", "4e-4"}};
  } else if (loss_mode() == "cispo") {
    // verl's CISPO recipe: no lower clip (clip_ratio_low = 10).
    extra = {{"loss_scale_factor", "64"}, {"clip_ratio_low", "10"}, {"clip_ratio_high", "0.2"}};
  } else if (loss_mode() == "dppo_tv" || loss_mode() == "dppo_kl") {
    // Thresholds the data crosses both ways, and a cap the ratio reaches.
    extra = {{"loss_scale_factor", "64"},
             {"clip_ratio_low", loss_mode() == "dppo_tv" ? "0.05" : "0.02"},
             {"clip_ratio_high", loss_mode() == "dppo_tv" ? "0.1" : "0.01"},
             {"clip_ratio_c", "1.5"}};
  } else if (loss_mode() == "dro") {
    extra = {{"loss_scale_factor", "64"}, {"dro_beta", "3"}};
  } else {
    extra = {{"loss_scale_factor", "64"}};
  }
  BatchSpec s = spec(7, 37, 19);
  s.log_ratio_std = 1.0;  // reach the dual clip (ratio > clip_ratio_c) too
  s.with_weights = true;
  expect_agrees(random_batch(s), extra);
}

std::string param_name(const ::testing::TestParamInfo<AgreementParam>& info) {
  std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param) + "_" +
                     (std::get<2>(info.param) == torch::kFloat64 ? "f64" : "f32");
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(AllModes, ReferenceAgreement,
                         ::testing::Combine(::testing::ValuesIn(kLossModes),
                                            ::testing::ValuesIn(kAggModes),
                                            ::testing::Values(torch::kFloat64, torch::kFloat32)),
                         param_name);

}  // namespace
}  // namespace rlloss::test
