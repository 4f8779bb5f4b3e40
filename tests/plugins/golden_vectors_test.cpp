// docs/VECTORS.md: hand-sized cases whose values come from other frameworks' formulas.
// The tables give 10 significant digits, hence the 1e-9 tolerances.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loss_test_support.hpp"
#include "reference_loss.hpp"

namespace rlloss::test {
namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

torch::Tensor matrix(const std::vector<std::vector<double>>& rows) {
  std::vector<torch::Tensor> parts;
  for (const auto& row : rows) parts.push_back(torch::tensor(row, kF64));
  return torch::stack(parts);
}

LossInputs sapo_table_inputs() {
  LossInputs inputs;
  inputs.old_log_prob = matrix({{-1.0, -1.2, -0.7, -2.0}, {-0.5, -1.5, -0.3, -0.9}});
  inputs.log_prob = matrix({{-0.8, -1.5, -0.7, -1.0}, {-0.9, -1.0, -0.2, -0.9}});
  inputs.advantages = matrix({{1.5, 1.5, 1.5, 1.5}, {-0.8, -0.8, -0.8, -0.8}});
  inputs.response_mask = matrix({{1, 1, 1, 0}, {1, 1, 0, 0}}) != 0;
  return inputs;
}

struct SapoRow {
  std::string mode;
  double loss;
  std::vector<std::vector<double>> grad;
};

TEST(GoldenVectors, SapoTwoByFourEveryMode) {
  const std::vector<SapoRow> table = {
      {"token-mean",
       -1.1315730862,
       {{-0.3619668481, -0.2185545132, -0.3, 0}, {0.1041013386, 0.2354162930, 0, 0}}},
      {"token-sum",
       -5.6578654312,
       {{-1.8098342406, -1.0927725661, -1.5, 0}, {0.5205066932, 1.1770814652, 0, 0}}},
      {"seq-mean-token-sum",
       -2.8289327156,
       {{-0.9049171203, -0.5463862830, -0.75, 0}, {0.2602533466, 0.5885407326, 0, 0}}},
      {"seq-mean-token-mean",
       -0.6691210848,
       {{-0.3016390391, -0.1821287604, -0.2499999992, 0}, {0.1301266727, 0.2942703648, 0, 0}}},
      {"seq-mean-token-sum-norm",
       -0.7072331789,
       {{-0.2262292801, -0.1365965708, -0.1875, 0}, {0.0650633367, 0.1471351832, 0, 0}}},
  };
  const LossInputs inputs = sapo_table_inputs();
  for (const SapoRow& row : table) {
    SCOPED_TRACE(row.mode);
    const auto args = resolve_args("sapo", {{"loss_agg_mode", row.mode}});
    const PluginResult result = run_plugin(*plugin_registry().create("sapo", args), inputs);
    EXPECT_NEAR(result.loss.item<double>(), row.loss, 1e-9);
    EXPECT_TRUE(all_close(result.grad, matrix(row.grad), 1e-9, 1.0));
    // The reference must reproduce the table as well.
    const auto reference = reference::reference_loss("sapo", args, inputs);
    EXPECT_NEAR(reference.loss.item<double>(), row.loss, 1e-9);
    EXPECT_TRUE(all_close(reference.grad, matrix(row.grad), 1e-9, 1.0));
  }
}

struct GateRow {
  double tau, log_ratio, gate, grad_weight;
};

// One token with A = +1: token-sum loss = -gate, gradient = -4 s (1 - s) r.
TEST(GoldenVectors, SapoGateAndGradientWeightOneToken) {
  const std::vector<GateRow> table = {
      {1, -0.5, 1.611529630, 0.583647891},  {1, 0, 2.0, 1.0},
      {1, 0.2, 2.220502754, 1.20655616},    {1, 1, 3.391629570, 1.40220335},
      {1, 2, 3.993291904, 0.0494833712},    {1.05, 0, 1.904761905, 1.0},
      {1.05, 0.5, 2.529512204, 1.47135183}, {2, 0.5, 1.570808505, 1.11153103},
  };
  for (const GateRow& row : table) {
    SCOPED_TRACE(::testing::Message() << "tau " << row.tau << " log-ratio " << row.log_ratio);
    const auto loss = make_loss("sapo", {{"tau_pos", std::to_string(row.tau)},
                                         {"tau_neg", std::to_string(row.tau)},
                                         {"loss_agg_mode", "token-sum"}});
    LossInputs inputs;
    inputs.old_log_prob = torch::full({1, 1}, -1.0, kF64);
    inputs.log_prob = inputs.old_log_prob + row.log_ratio;
    inputs.advantages = torch::ones({1, 1}, kF64);
    inputs.response_mask = torch::ones({1, 1}, kF64);
    const PluginResult result = run_plugin(*loss, inputs);
    EXPECT_NEAR(-result.loss.item<double>(), row.gate, 1e-9 * row.gate);
    EXPECT_NEAR(-result.grad.item<double>(), row.grad_weight, 1e-8 * row.grad_weight);
    EXPECT_NEAR(result.metrics.at("gate_mean"), row.gate, 1e-9 * row.gate);
    EXPECT_NEAR(result.metrics.at("gate_pos_mean"), row.gate, 1e-9 * row.gate);
    EXPECT_NEAR(result.metrics.at("grad_weight_mean"), row.grad_weight, 1e-8 * row.grad_weight);
  }
}

TEST(GoldenVectors, SapoPerTokenLossWithTauNegTwo) {
  const auto loss = make_loss("sapo", {{"tau_neg", "2"}, {"loss_agg_mode", "token-sum"}});
  const std::vector<double> expected = {-1.6115296295, 1.2178546514, -0.9524545842};
  LossInputs inputs;
  inputs.old_log_prob = torch::full({1, 3}, -1.0, kF64);
  inputs.log_prob = torch::tensor({-1.5, -0.8, -1.1}, kF64).unsqueeze(0);
  inputs.advantages = torch::tensor({1.0, -1.0, 0.5}, kF64).unsqueeze(0);
  for (int64_t t = 0; t < 3; ++t) {
    inputs.response_mask = torch::zeros({1, 3}, kF64);
    inputs.response_mask[0][t] = 1.0;  // token-sum over one token is that token's loss
    EXPECT_NEAR(run_plugin(*loss, inputs).loss.item<double>(), expected[t], 1e-9) << "token " << t;
  }
}

TEST(GoldenVectors, PpoDualClipTwoByFour) {
  const auto loss = make_loss(
      "ppo_clip", {{"clip_ratio_low", "0.2"}, {"clip_ratio_high", "0.28"}, {"clip_ratio_c", "3"}});
  LossInputs inputs;
  inputs.old_log_prob = torch::full({2, 4}, -1.0, kF64);
  inputs.log_prob = inputs.old_log_prob + matrix({{0, .5, -.5, .1}, {.5, 1.5, -.5, .1}});
  inputs.advantages = matrix({{1, 1, 1, 1}, {-1, -1, -1, -1}});
  inputs.response_mask = torch::ones({2, 4}, torch::TensorOptions().dtype(torch::kUInt8));
  const PluginResult result = run_plugin(*loss, inputs);
  EXPECT_NEAR(result.loss.item<double>(), 0.3202738264, 1e-9);
  EXPECT_DOUBLE_EQ(result.metrics.at("pg_clipfrac"), 0.25);
  EXPECT_DOUBLE_EQ(result.metrics.at("pg_clipfrac_lower"), 0.125);
  EXPECT_NEAR(result.metrics.at("ppo_kl"), -0.2125, 1e-15);
  EXPECT_TRUE(all_close(
      result.grad, matrix({{-0.125, 0, -0.07581633, -0.13814636}, {0.20609016, 0, 0, 0.13814636}}),
      1e-8, 1.0));
}

struct AggregationRow {
  std::string mode;
  double local, distributed;
};

const std::vector<AggregationRow> kAggregationTable = {
    {"token-mean", 3.4, 3.4},
    {"token-sum", 17, 34},
    {"seq-mean-token-sum", 8.5, 5.6666666667},
    {"seq-mean-token-mean", 3.7499999829, 2.4999999886},
    {"seq-mean-token-sum-norm", 2.125, 1.4166666667},
};

torch::Tensor aggregation_loss_matrix() {
  return matrix({{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 9, 9, 9}});
}
torch::Tensor aggregation_mask() {
  return matrix({{1, 1, 1, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}});
}
const LossNormalisers kDistributed = {10, 6, 2};

TEST(GoldenVectors, AggregationAloneInTheReference) {
  for (const auto& row : kAggregationTable) {
    SCOPED_TRACE(row.mode);
    EXPECT_NEAR(reference::aggregate(aggregation_loss_matrix(), aggregation_mask(), row.mode, {}, 4)
                    .item<double>(),
                row.local, 1e-9);
    EXPECT_NEAR(reference::aggregate(aggregation_loss_matrix(), aggregation_mask(), row.mode,
                                     kDistributed, 4)
                    .item<double>(),
                row.distributed, 1e-9);
  }
}

// On policy (ratio 1) PPO's per-token loss is exactly -A, so A = -loss_mat runs the table through
// the plugin's aggregation.
TEST(GoldenVectors, AggregationAloneThroughThePlugin) {
  LossInputs inputs;
  inputs.old_log_prob = torch::full({3, 4}, -1.0, kF64);
  inputs.log_prob = inputs.old_log_prob.clone();
  inputs.advantages = -aggregation_loss_matrix();
  inputs.response_mask = aggregation_mask();
  for (const auto& row : kAggregationTable) {
    SCOPED_TRACE(row.mode);
    const auto loss = make_loss("ppo_clip", {{"loss_agg_mode", row.mode}});
    EXPECT_NEAR(run_plugin(*loss, inputs).loss.item<double>(), row.local, 1e-9);
    LossInputs distributed = inputs;
    distributed.normalisers = kDistributed;
    EXPECT_NEAR(run_plugin(*loss, distributed).loss.item<double>(), row.distributed, 1e-9);
  }
}

}  // namespace
}  // namespace rlloss::test
