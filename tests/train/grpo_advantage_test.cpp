// Group-normalised advantages against hand-derived values (unbiased std, as verl's GRPO).
#include <gtest/gtest.h>

#include <cmath>

#include "grpo.hpp"
#include "trainer.hpp"

namespace rlloss::train {
namespace {

TEST(GroupAdvantages, NormalisesWithinEachGroupOnly) {
  const torch::Tensor rewards =
      torch::tensor({1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 0.5, 0.5}, torch::kFloat64);
  const torch::Tensor adv = group_normalised_advantages(rewards, 4);
  // Group 1: mean 1/2, unbiased std sqrt(4 * 1/4 / 3) = 1/sqrt(3); (+-1/2) * sqrt(3).
  const double a = 0.5 / (1.0 / std::sqrt(3.0) + 1e-6);
  const double expected[] = {a, -a, -a, a, 0, 0, 0, 0};  // group 2 has no spread: all zero
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(adv[i].item<double>(), expected[i], 1e-12) << i;
}

TEST(GroupAdvantages, UnitSpreadGroup) {
  const torch::Tensor adv =
      group_normalised_advantages(torch::tensor({0.0, 1.0, 2.0}, torch::kFloat64), 3);
  const double s = 1.0 / (1.0 + 1e-6);  // mean 1, unbiased std 1
  EXPECT_NEAR(adv[0].item<double>(), -s, 1e-12);
  EXPECT_NEAR(adv[1].item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(adv[2].item<double>(), s, 1e-12);
}

TEST(GroupAdvantages, SingleResponseGroupsKeepTheirReward) {
  const torch::Tensor adv =
      group_normalised_advantages(torch::tensor({0.7, 0.2}, torch::kFloat64), 1);
  EXPECT_NEAR(adv[0].item<double>(), 0.7 / (1 + 1e-6), 1e-12);
  EXPECT_NEAR(adv[1].item<double>(), 0.2 / (1 + 1e-6), 1e-12);
}

TEST(DataParallelLayout, RanksSplitEveryMiniBatch) {
  // 8 prompts, mini-batches of 4, two ranks: rank 0 owns 0,1 and 4,5; rank 1 owns 2,3 and 6,7.
  EXPECT_EQ(local_prompt_indices(8, 4, 0, 2), (std::vector<int64_t>{0, 1, 4, 5}));
  EXPECT_EQ(local_prompt_indices(8, 4, 1, 2), (std::vector<int64_t>{2, 3, 6, 7}));
  EXPECT_EQ(local_prompt_indices(8, 4, 0, 1), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

}  // namespace
}  // namespace rlloss::train
