// The reversal task's reward against values derived by hand from its definition:
// correct positions / max(len(target), len(answer before EOS)).
#include <gtest/gtest.h>

#include <random>

#include "task.hpp"

namespace rlloss::train {
namespace {

constexpr int64_t E = kEosToken;
constexpr int64_t P = kPadToken;
const Digits kPrompt{1, 2, 3};  // target 3 2 1

TEST(TaskReward, PerfectAnswerScoresOne) {
  EXPECT_DOUBLE_EQ(reversal_reward(kPrompt, {3, 2, 1, E, P, P}), 1.0);
  EXPECT_TRUE(is_exact(kPrompt, {3, 2, 1, E, P, P}));
}

TEST(TaskReward, OneWrongDigitCostsAThird) {
  EXPECT_DOUBLE_EQ(reversal_reward(kPrompt, {3, 2, 0, E, P, P}), 2.0 / 3.0);
  EXPECT_FALSE(is_exact(kPrompt, {3, 2, 0, E, P, P}));
}

TEST(TaskReward, MissingDigitCountsAgainstTheTargetLength) {
  EXPECT_DOUBLE_EQ(reversal_reward(kPrompt, {3, 2, E, P, P, P}), 2.0 / 3.0);
}

TEST(TaskReward, ExtraDigitCountsAgainstTheAnswerLength) {
  EXPECT_DOUBLE_EQ(reversal_reward(kPrompt, {3, 2, 1, 4, E, P}), 3.0 / 4.0);
  EXPECT_FALSE(is_exact(kPrompt, {3, 2, 1, 4, E, P}));
}

TEST(TaskReward, CopyingThePromptOnlyMatchesTheMiddle) {
  EXPECT_DOUBLE_EQ(reversal_reward(kPrompt, {1, 2, 3, E, P, P}), 1.0 / 3.0);
}

TEST(TaskReward, EmptyAnswerScoresZero) {
  EXPECT_DOUBLE_EQ(reversal_reward(kPrompt, {E, P}), 0.0);
}

TEST(TaskReward, NoEosTakesEveryTokenAsTheAnswer) {
  EXPECT_DOUBLE_EQ(reversal_reward(kPrompt, {3, 2, 1, 5, 5, 5}), 0.5);
  EXPECT_FALSE(is_exact(kPrompt, {3, 2, 1}));  // right digits, but never ended
}

TEST(TaskPrompts, LengthsAndDigitsStayInRange) {
  std::mt19937_64 rng(3);
  TaskSpec spec;
  spec.min_digits = 2;
  spec.max_digits = 4;
  bool saw_min = false, saw_max = false;
  for (const Digits& prompt : make_prompts(spec, 500, rng)) {
    ASSERT_GE(prompt.size(), 2u);
    ASSERT_LE(prompt.size(), 4u);
    saw_min |= prompt.size() == 2;
    saw_max |= prompt.size() == 4;
    for (int64_t d : prompt) ASSERT_TRUE(d >= 0 && d <= 9);
  }
  EXPECT_TRUE(saw_min && saw_max);
}

}  // namespace
}  // namespace rlloss::train
