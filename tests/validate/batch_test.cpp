// The random batches the checks run on: ragged, reproducible, and reaching the loss regions the
// checks must cover (PPO's clip and dual clip).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <rlloss/registry.hpp>
#include <validate/batch.hpp>
#include <validate/plugin_call.hpp>

namespace rlloss::validate {
namespace {

int64_t row_length(const Batch& batch, int64_t b) {
  return std::count(batch.mask.begin() + b * batch.cols, batch.mask.begin() + (b + 1) * batch.cols,
                    uint8_t{1});
}

TEST(Batch, RaggedWithOneEmptyAndOneFullRow) {
  const Batch batch = make_batch(9, 37, true, 42);
  ASSERT_EQ(batch.size(), 9 * 37);
  int64_t empty = 0, full = 0, tokens = 0;
  std::vector<int64_t> lengths;
  for (int64_t b = 0; b < batch.rows; ++b) {
    const int64_t length = row_length(batch, b);
    empty += length == 0;
    full += length == batch.cols;
    tokens += length;
    lengths.push_back(length);
  }
  EXPECT_EQ(empty, 1);
  EXPECT_GE(full, 1);
  EXPECT_EQ(batch.token_count(), tokens);
  EXPECT_EQ(batch.sequence_count(), batch.rows - 1);
  std::sort(lengths.begin(), lengths.end());
  EXPECT_GT(std::unique(lengths.begin(), lengths.end()) - lengths.begin(), 3) << "not ragged";
  EXPECT_EQ(batch.is_weights.size(), batch.log_prob.size());
  EXPECT_FALSE(make_batch(9, 37, false, 42).has_is_weights());
}

TEST(Batch, SameSeedSameBatchOtherSeedOtherBatch) {
  const Batch a = make_batch(4, 16, true, 7);
  const Batch b = make_batch(4, 16, true, 7);
  const Batch c = make_batch(4, 16, true, 8);
  EXPECT_EQ(a.log_prob, b.log_prob);
  EXPECT_EQ(a.mask, b.mask);
  EXPECT_NE(a.log_prob, c.log_prob);
}

TEST(Batch, RowSliceKeepsRows) {
  const Batch batch = make_batch(5, 13, true, 3);
  const Batch part = batch.row_slice(2, 5);
  ASSERT_EQ(part.rows, 3);
  ASSERT_EQ(part.cols, 13);
  for (int64_t i = 0; i < part.size(); ++i) {
    EXPECT_EQ(part.log_prob[i], batch.log_prob[2 * 13 + i]);
    EXPECT_EQ(part.is_weights[i], batch.is_weights[2 * 13 + i]);
    EXPECT_EQ(part.mask[i], batch.mask[2 * 13 + i]);
  }
}

TEST(Batch, ReachesPpoClipAndDualClip) {
  Registry registry;
  registry.load_directory(RLLOSS_TEST_PLUGIN_DIR);
  const auto loss = registry.create_default("ppo_clip");
  const auto names = loss->metric_names();
  const auto metric = [&](const PluginOutput& out, const std::string& name) {
    return out.metrics[std::find(names.begin(), names.end(), name) - names.begin()];
  };
  // The size of one finite-difference batch set: 3 x 37 tokens.
  const PluginOutput out = run_plugin(*loss, make_batch(3, 37, false, 11));
  EXPECT_GT(metric(out, "pg_clipfrac"), 0.05);
  const PluginOutput big = run_plugin(*loss, make_batch(16, 203, false, 11));
  EXPECT_GT(metric(big, "pg_clipfrac_lower"), 0.0) << "dual clip never reached";
}

}  // namespace
}  // namespace rlloss::validate
