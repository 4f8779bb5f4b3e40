// A mapping that names a key twice is refused, naming both lines and the key's path (yaml-cpp
// would silently use the first, OmegaConf refuses); the same key in different mappings is fine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "test_registry.hpp"

namespace rlloss::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(DuplicateKey, InTheActorSectionNamesBothLinesAndThePath) {
  const std::string text =
      "actor_rollout_ref:\n"
      "  actor:\n"
      "    tau_neg: 1.05\n"
      "    policy_loss: {loss_mode: sapo}\n"
      "    tau_neg: 2.0\n";
  EXPECT_THAT(error_of([&] { resolve_text(text); }),
              AllOf(HasSubstr("test.yaml:5: duplicate key 'actor_rollout_ref.actor.tau_neg'"),
                    HasSubstr("first at line 3"), HasSubstr("names each key once")));
}

TEST(DuplicateKey, InAFlowMappingInsideAList) {
  const std::string text =
      "actor_rollout_ref:\n"
      "  actor: {policy_loss: {loss_mode: sapo}}\n"
      "trainer:\n"
      "  logger: [console, {name: a, name: b}]\n";
  EXPECT_THAT(error_of([&] { resolve_text(text); }),
              HasSubstr("test.yaml:4: duplicate key 'trainer.logger[1].name'"));
}

TEST(DuplicateKey, AtTheTopLevel) {
  EXPECT_THAT(error_of([&] { resolve_text("data: {a: 1}\ndata: {b: 2}\n"); }),
              HasSubstr("test.yaml:2: duplicate key 'data' (first at line 1)"));
}

// Only the first document is read (as YAML::Load does); what follows it is not the trainer's.
TEST(DuplicateKey, OnlyTheFirstDocumentCounts) {
  const std::string text =
      "actor_rollout_ref: {actor: {policy_loss: {loss_mode: sapo}}}\n"
      "---\n"
      "a: 1\n"
      "a: 2\n"
      "--- [unclosed\n";
  EXPECT_EQ(resolve_text(text).loss_mode, "sapo");
}

TEST(DuplicateKey, SameKeyInDifferentMappingsIsFine) {
  const std::string text =
      "actor_rollout_ref:\n"
      "  actor:\n"
      "    loss_agg_mode: token-sum\n"
      "    optim: {lr: 1e-6, loss_agg_mode: x}\n"
      "    policy_loss: {loss_mode: sapo, tau_pos: 1.5}\n"
      "    tau_pos: 1.0\n"
      "  ref: {tau_pos: 3}\n";
  const ResolvedLossConfig config = resolve_text(text);
  EXPECT_EQ(config.args.number("tau_pos"), 1.5);
  EXPECT_EQ(config.args.string("loss_agg_mode"), "token-sum");
}

// Aliases are not expanded while looking for duplicates: a "billion laughs" document costs what
// its text costs.
TEST(DuplicateKey, AliasesAreNotExpanded) {
  std::string text = "a0: &a0 {x: 1, y: 2}\n";
  for (int level = 1; level < 30; ++level) {
    const std::string previous = "*a" + std::to_string(level - 1);
    text += "a" + std::to_string(level) + ": &a" + std::to_string(level) + " [" + previous + ", " +
            previous + "]\n";
  }
  text += "actor_rollout_ref: {actor: {policy_loss: {loss_mode: sapo}}}\n";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(resolve_text(text).loss_mode, "sapo");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 5.0);
}

}  // namespace
}  // namespace rlloss::test
