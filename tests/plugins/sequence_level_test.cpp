// The sequence-level objectives and CISPO: golden values worked out by hand from verl's formulas
// (verl-project/verl core_algos.py at 018f23b5: compute_policy_loss_gspo,
// compute_policy_loss_cispo) and TRL's importance_sampling_level "sequence" for SAPO; finite
// differences where the stop-gradient factors are locally constant; the row pre-pass's NaN safety,
// DP halves and thread invariance. The float64 LibTorch reference of every mode, dtype, mask and
// shape is in reference_agreement_test.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "loss_test_support.hpp"
#include "reference_loss.hpp"

namespace rlloss::test {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

torch::Tensor f64(std::vector<double> values, int64_t rows) {
  const int64_t cols = static_cast<int64_t>(values.size()) / rows;
  return torch::tensor(values, torch::kFloat64).reshape({rows, cols});
}

LossInputs inputs_of(std::vector<double> log_prob, std::vector<double> old_log_prob,
                     std::vector<double> advantages, std::vector<double> mask, int64_t rows) {
  LossInputs in;
  in.log_prob = f64(log_prob, rows);
  in.old_log_prob = f64(old_log_prob, rows);
  in.advantages = f64(advantages, rows);
  in.response_mask = f64(mask, rows) != 0;
  return in;
}

// Two rows: row 0 has a masked NaN slot and a sequence ratio e^0.2 past 1 + 0.2 (clipped, A > 0);
// row 1 has e^(-1/30) inside the clip range (A < 0).
LossInputs gspo_batch() {
  return inputs_of({0.1, 0.3, kNaN, -0.05, 0.05, 0.0}, {0, 0, kNaN, 0, 0, 0.1},
                   {1, 1, kNaN, -0.5, -0.5, -0.5}, {1, 1, 0, 1, 1, 1}, 2);
}

TEST(GspoGolden, TokenMeanByHand) {
  // s0 = e^0.2 = 1.22140...: l1 = -s0 < l2 = -1.2, so both tokens take -1.2 and no gradient.
  // s1 = e^(-0.1/3) = 0.96721...: l = 0.5 s1 = 0.48360805024100295, dl/dlog_prob = 0.5 s1.
  const auto loss = make_loss("gspo", {{"loss_agg_mode", "token-mean"}});
  const PluginResult r = run_plugin(*loss, gspo_batch());
  EXPECT_NEAR(r.loss.item<double>(), (2 * -1.2 + 3 * 0.48360805024100295) / 5, 1e-15);
  const std::vector<double> grad = {
      0, 0, 0, 0.0967216100482006, 0.0967216100482006, 0.0967216100482006};
  EXPECT_TRUE(all_close(r.grad, f64(grad, 2), 1e-15, 1));
  EXPECT_NEAR(r.metrics.at("ppo_kl"), -0.06, 1e-15);
  EXPECT_NEAR(r.metrics.at("pg_clipfrac"), 0.4, 1e-15);
  EXPECT_NEAR(r.metrics.at("seq_ratio_mean"), 1.0688907635532714, 1e-15);
}

TEST(GspoGolden, DefaultIsVerlsSeqMeanTokenMean) {
  const auto loss = make_loss("gspo");
  EXPECT_EQ(loss->args().string("loss_agg_mode"), "seq-mean-token-mean");
  const PluginResult r = run_plugin(*loss, gspo_batch());
  // verl's seq-mean-token-mean divides each row's sum by its length + 1e-8.
  EXPECT_NEAR(r.loss.item<double>(), (-2.4 / (2 + 1e-8) + 3 * 0.48360805024100295 / (3 + 1e-8)) / 2,
              1e-15);
  EXPECT_NEAR(r.grad[1][0].item<double>(), 0.5 * 0.9672161004820059 / (3 + 1e-8) / 2, 1e-15);
  EXPECT_EQ(r.grad[0][0].item<double>(), 0.0);
}

TEST(CispoGolden, TokenMeanByHand) {
  // d = (0.1, -0.5, 0); w = clip(e^d, 0.8, 1.2) = (e^0.1, 0.8, 1); l = -w A log_prob.
  const LossInputs in =
      inputs_of({-1.0, -2.0, -0.5}, {-1.1, -1.5, -0.5}, {2, -1, 0.5}, {1, 1, 1}, 1);
  const PluginResult r = run_plugin(*make_loss("cispo"), in);
  EXPECT_NEAR(r.loss.item<double>(), 0.28678061205043176, 1e-15);
  // The clipped token (w = 0.8) keeps its gradient, unlike PPO.
  EXPECT_TRUE(
      all_close(r.grad, f64({-0.7367806120504318, 0.26666666666666666, -1.0 / 6}, 1), 1e-15, 1));
  EXPECT_NEAR(r.metrics.at("ppo_kl"), 0.4 / 3, 1e-15);
  EXPECT_NEAR(r.metrics.at("pg_clipfrac"), 1.0 / 3, 1e-15);
  EXPECT_NEAR(r.metrics.at("ratio_mean"), 0.9039005259294269, 1e-15);
  EXPECT_NEAR(r.metrics.at("is_weight_mean"), 0.9683903060252158, 1e-15);
}

TEST(SapoSequenceGolden, GateOnTheSequenceRatioByHand) {
  // Row 0: mean log-ratio 0.1/3, s = 1.0338951135..., A = 1 (tau_pos 1); row 1: one token, log
  // ratio -0.2, A = -2 (tau_neg 1.05), and a masked NaN.
  const LossInputs in = inputs_of({0.2, 0.0, -0.1, 0.3, kNaN, kNaN}, {0, 0, 0, 0.5, kNaN, kNaN},
                                  {1, 1, 1, -2, kNaN, kNaN}, {1, 1, 1, 1, 0, 0}, 2);
  const auto loss = make_loss("sapo", {{"importance_sampling_level", "sequence"}});
  const PluginResult r = run_plugin(*loss, in);
  EXPECT_NEAR(r.loss.item<double>(), -0.6633999453480985, 1e-15);
  EXPECT_TRUE(all_close(r.grad,
                        f64({-0.2583995538353808, -0.2583995538353808, -0.2583995538353808,
                             0.40568017419733887, 0, 0},
                            2),
                        1e-15, 1));
  // At token level the same batch gives something else: the level is not ignored.
  const PluginResult token = run_plugin(*make_loss("sapo"), in);
  EXPECT_GT(std::abs(token.loss.item<double>() - r.loss.item<double>()), 1e-3);
}

TEST(SapoSequence, AgreesWithTheReferenceInEveryMode) {
  for (const auto& agg_mode : kAggModes) {
    for (const auto dtype : {torch::kFloat64, torch::kFloat32}) {
      SCOPED_TRACE(agg_mode + (dtype == torch::kFloat64 ? " f64" : " f32"));
      const ArgList overrides = {{"importance_sampling_level", "sequence"},
                                 {"loss_agg_mode", agg_mode}};
      const auto loss = make_loss("sapo", overrides);
      BatchSpec spec;
      spec.rows = 9;
      spec.cols = 41;
      spec.seed = 5;
      spec.dtype = dtype;
      spec.with_weights = true;
      spec.mask = MaskKind::random_holes;
      const LossInputs in = random_batch(spec);
      const auto expected = reference::reference_loss("sapo", loss->args(), in);
      const PluginResult actual = run_plugin(*loss, in);
      const double tolerance = dtype == torch::kFloat64 ? 1e-12 : 1e-5;
      const double scale = reference::aggregate(expected.token_loss.abs(), in.response_mask,
                                                agg_mode, in.normalisers, 0)
                               .item<double>();
      EXPECT_TRUE(all_close(actual.loss, expected.loss, tolerance, scale));
      EXPECT_TRUE(all_close(actual.grad, expected.grad, tolerance, max_abs(expected.grad)));
      for (const auto& [name, value] : expected.metrics) {
        EXPECT_NEAR(actual.metrics.at(name), value, tolerance * (1 + std::abs(value))) << name;
      }
    }
  }
}

// A batch whose advantages are constant along each row and whose IS weights are 1 (GRPO's
// shape): then each row's aggregation weight is uniform, and the stop-gradient form equals the
// full derivative of the loss, which finite differences measure.
LossInputs row_constant_batch(uint64_t seed, double log_ratio_std) {
  BatchSpec spec;
  spec.rows = 6;
  spec.cols = 19;
  spec.seed = seed;
  spec.log_ratio_std = log_ratio_std;
  spec.mask = MaskKind::ragged_prefix;
  LossInputs in = random_batch(spec);
  in.advantages = in.advantages.select(1, 0).unsqueeze(1).expand_as(in.advantages).contiguous();
  return in;
}

double central_difference(const Loss& loss, LossInputs in, int64_t b, int64_t t) {
  constexpr double kStep = 1e-6;
  const double x = in.log_prob[b][t].item<double>();
  in.log_prob = in.log_prob.clone();
  in.log_prob[b][t] = x + kStep;
  const double plus = run_plugin(loss, in).loss.item<double>();
  in.log_prob[b][t] = x - kStep;
  const double minus = run_plugin(loss, in).loss.item<double>();
  return (plus - minus) / (2 * kStep);
}

void expect_gradient_matches_differences(const Loss& loss, const LossInputs& in) {
  const PluginResult r = run_plugin(loss, in);
  const double scale = max_abs(r.grad);
  ASSERT_GT(scale, 0);
  int checked = 0;
  for (int64_t b = 0; b < in.log_prob.size(0); ++b) {
    for (int64_t t = 0; t < in.log_prob.size(1); t += 3) {
      if (!in.response_mask[b][t].item<bool>()) continue;
      EXPECT_NEAR(r.grad[b][t].item<double>(), central_difference(loss, in, b, t), 1e-7 * scale)
          << "token [" << b << ", " << t << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 10);
}

TEST(SequenceFiniteDifferences, GspoOnRowConstantAdvantages) {
  // Wide clip ranges: no row sits at the clip's kink.
  for (const auto& agg_mode : {"token-mean", "seq-mean-token-mean", "seq-mean-token-sum"}) {
    SCOPED_TRACE(agg_mode);
    const auto loss = make_loss(
        "gspo", {{"clip_ratio_low", "0.9"}, {"clip_ratio_high", "9"}, {"loss_agg_mode", agg_mode}});
    expect_gradient_matches_differences(*loss, row_constant_batch(21, 0.4));
  }
}

TEST(SequenceFiniteDifferences, SapoSequenceOnRowConstantAdvantages) {
  for (const auto& agg_mode : {"token-mean", "seq-mean-token-mean", "token-sum"}) {
    SCOPED_TRACE(agg_mode);
    const auto loss =
        make_loss("sapo", {{"importance_sampling_level", "sequence"}, {"loss_agg_mode", agg_mode}});
    expect_gradient_matches_differences(*loss, row_constant_batch(22, 0.4));
  }
}

TEST(SequenceFiniteDifferences, CispoWhereTheWeightIsClipped) {
  // Every ratio far outside [0.8, 1.2]: the detached weight is a constant bound there, so the
  // loss's derivative is -w A exactly.
  LossInputs in = inputs_of({-0.5, -1.0, -2.0, -0.3}, {-1.5, -0.2, -1.0, -1.0},
                            {1.5, -0.7, 0.4, -2}, {1, 1, 1, 1}, 2);
  const auto loss = make_loss("cispo");
  const PluginResult r = run_plugin(*loss, in);
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t t = 0; t < 2; ++t) {
      EXPECT_NEAR(r.grad[b][t].item<double>(), central_difference(*loss, in, b, t), 1e-8);
    }
  }
}

TEST(RowPrePass, NaNAndInfInMaskedSlotsChangeNothing) {
  for (const auto& [mode, overrides] : std::vector<std::pair<std::string, ArgList>>{
           {"gspo", {}}, {"sapo", {{"importance_sampling_level", "sequence"}}}}) {
    SCOPED_TRACE(mode);
    const auto loss = make_loss(mode, overrides);
    BatchSpec spec;
    spec.rows = 7;
    spec.cols = 33;
    spec.seed = 8;
    spec.mask = MaskKind::random_holes;
    const LossInputs clean = random_batch(spec);
    LossInputs dirty = clean;
    const torch::Tensor off = clean.response_mask.logical_not();
    dirty.log_prob = clean.log_prob.masked_fill(off, kNaN);
    dirty.old_log_prob =
        clean.old_log_prob.masked_fill(off, -std::numeric_limits<double>::infinity());
    const PluginResult a = run_plugin(*loss, clean);
    const PluginResult b = run_plugin(*loss, dirty);
    EXPECT_TRUE(torch::equal(a.loss, b.loss));
    EXPECT_TRUE(torch::equal(a.grad, b.grad));
  }
}

TEST(RowPrePass, FullyMaskedAndEmptyBatchesGiveZero) {
  for (const std::string mode : {"gspo", "sapo"}) {
    const auto loss = make_loss(
        mode, mode == "sapo" ? ArgList{{"importance_sampling_level", "sequence"}} : ArgList{});
    const LossInputs in =
        inputs_of({kNaN, kNaN, kNaN, kNaN}, {0, 0, 0, 0}, {1, 1, 1, 1}, {0, 0, 0, 0}, 2);
    const PluginResult r = run_plugin(*loss, in);
    EXPECT_EQ(r.loss.item<double>(), 0.0) << mode;
    EXPECT_EQ(max_abs(r.grad), 0.0) << mode;
  }
}

TEST(RowPrePass, ExtremeSequenceRatiosStayFinite) {
  // Row means of +-1e4 and +-100: GSPO clamps log s above at 10, SAPO's sequence level at +-20.
  const LossInputs in =
      inputs_of({1e4, 1e4, -1e4, -1e4, 100, 100, -100, -100}, {0, 0, 0, 0, 0, 0, 0, 0},
                {1, -1, 1, -1, 0.5, -0.5, 2, -2}, {1, 1, 1, 1, 1, 1, 1, 1}, 4);
  for (const auto& [mode, overrides] : std::vector<std::pair<std::string, ArgList>>{
           {"gspo", {}}, {"sapo", {{"importance_sampling_level", "sequence"}}}}) {
    SCOPED_TRACE(mode);
    const auto loss = make_loss(mode, overrides);
    const PluginResult r = run_plugin(*loss, in);
    EXPECT_TRUE(std::isfinite(r.loss.item<double>()));
    EXPECT_TRUE(torch::isfinite(r.grad).all().item<bool>());
    const auto expected = reference::reference_loss(mode, loss->args(), in);
    EXPECT_TRUE(all_close(r.grad, expected.grad, 1e-12, 1 + max_abs(expected.grad)));
    EXPECT_NEAR(r.loss.item<double>(), expected.loss.item<double>(),
                1e-12 * (1 + std::abs(expected.loss.item<double>())));
  }
}

TEST(RowPrePass, TwoRanksWithGlobalCountsAverageToTheWholeBatch) {
  for (const auto& agg_mode : kAggModes) {
    SCOPED_TRACE(agg_mode);
    const auto loss =
        make_loss("sapo", {{"importance_sampling_level", "sequence"}, {"loss_agg_mode", agg_mode}});
    BatchSpec spec;
    spec.rows = 8;
    spec.cols = 29;
    spec.seed = 31;
    spec.with_weights = true;
    const LossInputs whole = random_batch(spec);
    const PluginResult all = run_plugin(*loss, whole);
    const torch::Tensor lengths = whole.response_mask.to(torch::kFloat64).sum(1);
    torch::Tensor mean_loss = torch::zeros({}, torch::kFloat64);
    std::vector<torch::Tensor> grads;
    for (const int64_t start : {0, 4}) {
      LossInputs half;
      half.log_prob = whole.log_prob.narrow(0, start, 4);
      half.old_log_prob = whole.old_log_prob.narrow(0, start, 4);
      half.advantages = whole.advantages.narrow(0, start, 4);
      half.response_mask = whole.response_mask.narrow(0, start, 4);
      half.rollout_is_weights = whole.rollout_is_weights->narrow(0, start, 4);
      half.normalisers.global_token_count = static_cast<int64_t>(lengths.sum().item<double>());
      half.normalisers.global_seq_count = (lengths > 0).sum().item<int64_t>();
      half.normalisers.dp_size = 2;
      const PluginResult r = run_plugin(*loss, half);
      mean_loss = mean_loss + r.loss / 2;
      grads.push_back(r.grad / 2);
    }
    EXPECT_NEAR(mean_loss.item<double>(), all.loss.item<double>(), 1e-12);
    EXPECT_TRUE(all_close(torch::cat(grads), all.grad, 1e-12, 1));
  }
}

TEST(RowPrePass, OneAndManyThreadsGiveIdenticalBits) {
  for (const auto& [mode, overrides] : std::vector<std::pair<std::string, ArgList>>{
           {"gspo", {}}, {"sapo", {{"importance_sampling_level", "sequence"}}}}) {
    SCOPED_TRACE(mode);
    const auto loss = make_loss(mode, overrides);
    BatchSpec spec;
    spec.rows = 97;
    spec.cols = 1111;
    spec.seed = 3;
    spec.mask = MaskKind::random_holes;
    LossInputs in = random_batch(spec);
    in.num_threads = 1;
    const PluginResult one = run_plugin(*loss, in);
    in.num_threads = 4;
    const PluginResult many = run_plugin(*loss, in);
    EXPECT_TRUE(torch::equal(one.loss, many.loss));
    EXPECT_TRUE(torch::equal(one.grad, many.grad));
  }
}

TEST(SurrogateFlag, OnlyTheStopGradientLossesDeclareIt) {
  for (const auto& mode : kLossModes) {
    const bool surrogate =
        (plugin_registry().find(mode)->flags() & RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT) != 0;
    EXPECT_EQ(surrogate,
              mode == "gspo" || mode == "cispo" || mode == "dppo_tv" || mode == "dppo_kl")
        << mode;
  }
}

TEST(ImportanceSamplingLevel, RefusesAnUnknownLevel) {
  const std::string message = error_message([] {
    make_loss("sapo", {{"importance_sampling_level", "sentence"}});
  });
  EXPECT_NE(message.find("importance_sampling_level"), std::string::npos) << message;
  EXPECT_NE(message.find("token, sequence"), std::string::npos) << message;
}

}  // namespace
}  // namespace rlloss::test
