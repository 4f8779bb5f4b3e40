// Data-parallel normalisers: a batch split over ranks, each rank passing the global counts and
// dp_size, must reproduce the single-process loss and gradient as DDP averages them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "loss_test_support.hpp"

namespace rlloss::test {
namespace {

using ::testing::HasSubstr;

LossInputs rows_of(const LossInputs& inputs, int64_t begin, int64_t end) {
  LossInputs part = inputs;
  part.log_prob = inputs.log_prob.slice(0, begin, end);
  part.old_log_prob = inputs.old_log_prob.slice(0, begin, end);
  part.advantages = inputs.advantages.slice(0, begin, end);
  part.response_mask = inputs.response_mask.slice(0, begin, end);
  if (inputs.rollout_is_weights) {
    part.rollout_is_weights = inputs.rollout_is_weights->slice(0, begin, end);
  }
  return part;
}

void expect_ranks_average_to_whole(const std::string& loss_mode, const std::string& agg_mode,
                                   const LossInputs& whole, int ranks) {
  SCOPED_TRACE(::testing::Message()
               << loss_mode << " " << agg_mode << " over " << ranks << " ranks");
  const auto loss = make_loss(loss_mode, {{"loss_agg_mode", agg_mode}});
  const PluginResult single = run_plugin(*loss, whole);

  const torch::Tensor lengths = (whole.response_mask.to(torch::kFloat64) != 0).sum(-1);
  const int64_t global_tokens = lengths.sum().item<int64_t>();
  const int64_t global_sequences = (lengths > 0).sum().item<int64_t>();
  const int64_t rows = whole.log_prob.size(0);

  torch::Tensor grad_sum = torch::zeros_like(single.grad);
  double loss_sum = 0;
  for (int rank = 0; rank < ranks; ++rank) {
    const int64_t begin = rows * rank / ranks;
    const int64_t end = rows * (rank + 1) / ranks;
    LossInputs part = rows_of(whole, begin, end);
    part.normalisers = {global_tokens, global_sequences, ranks};
    const PluginResult result = run_plugin(*loss, part);
    loss_sum += result.loss.item<double>();
    grad_sum.slice(0, begin, end) += result.grad;
  }
  const double scale = std::max(1.0, std::abs(single.loss.item<double>()));
  EXPECT_NEAR(loss_sum / ranks, single.loss.item<double>(), 1e-12 * scale);
  EXPECT_TRUE(all_close(grad_sum / ranks, single.grad, 1e-12, max_abs(single.grad)));
}

TEST(DpNormalisers, MeanOfRanksEqualsSingleProcess) {
  for (const auto& loss_mode : kLossModes) {
    for (const auto& agg_mode : kAggModes) {
      for (const int ranks : {2, 4}) {
        BatchSpec spec;
        spec.rows = 11;  // uneven split; rows 1, 4, 7, 10 are fully masked
        spec.cols = 37;
        spec.seed = 40 + ranks;
        spec.with_weights = true;
        expect_ranks_average_to_whole(loss_mode, agg_mode, random_batch(spec), ranks);
      }
    }
  }
}

TEST(DpNormalisers, RankWithNoTokens) {
  BatchSpec spec;
  spec.rows = 4;
  spec.cols = 9;
  LossInputs whole = random_batch(spec);
  whole.response_mask.slice(0, 2, 4).fill_(false);  // the second of two ranks has nothing
  for (const auto& agg_mode : kAggModes) expect_ranks_average_to_whole("sapo", agg_mode, whole, 2);
}

std::string dp_error(const std::string& agg_mode, const LossNormalisers& normalisers) {
  const auto loss = make_loss("sapo", {{"loss_agg_mode", agg_mode}});
  LossInputs inputs = random_batch(BatchSpec{});
  inputs.normalisers = normalisers;
  return error_message([&] { run_plugin(*loss, inputs); });
}

TEST(DpNormalisers, DpSizeWithoutTheNeededGlobalCountFails) {
  EXPECT_THAT(dp_error("token-mean", {-1, -1, 2}),
              HasSubstr("dp_size 2 with loss_agg_mode token-mean needs global_token_count"));
  // The sequence count does not stand in for the token count.
  EXPECT_THAT(dp_error("token-mean", {-1, 100, 2}), HasSubstr("needs global_token_count"));
  for (const std::string mode :
       {"seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"}) {
    EXPECT_THAT(dp_error(mode, {-1, -1, 3}),
                HasSubstr("dp_size 3 with loss_agg_mode " + mode + " needs global_seq_count"));
    EXPECT_THAT(dp_error(mode, {1000, -1, 3}), HasSubstr("needs global_seq_count"));
  }
}

TEST(DpNormalisers, TokenSumNeedsNoGlobalCount) {
  const auto loss = make_loss("sapo", {{"loss_agg_mode", "token-sum"}});
  LossInputs inputs = random_batch(BatchSpec{});
  const double local = run_plugin(*loss, inputs).loss.item<double>();
  inputs.normalisers.dp_size = 3;
  EXPECT_NEAR(run_plugin(*loss, inputs).loss.item<double>(), 3 * local, 1e-14 * std::abs(local));
}

TEST(DpNormalisers, GlobalCountSmallerThanLocalFails) {
  LossInputs inputs = random_batch(BatchSpec{});  // 4 rows, row 1 empty: 3 sequences
  const int64_t tokens = (inputs.response_mask != 0).sum().item<int64_t>();
  EXPECT_THAT(
      dp_error("token-mean", {tokens - 1, -1, 1}),
      HasSubstr("global_token_count " + std::to_string(tokens - 1) +
                " is smaller than this batch's masked-token count " + std::to_string(tokens)));
  EXPECT_THAT(dp_error("seq-mean-token-mean", {-1, 2, 1}),
              HasSubstr("global_seq_count 2 is smaller than this batch's non-empty sequence "
                        "count 3"));
}

TEST(DpNormalisers, BadDpSizeAndCountsFail) {
  EXPECT_THAT(dp_error("token-sum", {-1, -1, 0}), HasSubstr("dp_size must be >= 1, got 0"));
  EXPECT_THAT(dp_error("token-mean", {-5, -1, 1}),
              HasSubstr("global counts must be >= 0, or -1 for 'not given'"));
}

}  // namespace
}  // namespace rlloss::test
