// Typing rules for the argument types the shipped plugins do not use (int, bool, free string),
// checked against a hand-written schema: resolve_loss_args needs only the plugin's table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_registry.hpp"

namespace rlloss::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr rlloss_arg_spec kTypedArgs[] = {
    {sizeof(rlloss_arg_spec), "steps", RLLOSS_ARG_INT, "an int in [1, 100]", 10, nullptr, 1, 100, 1,
     1, nullptr, 0, nullptr},
    {sizeof(rlloss_arg_spec), "flag", RLLOSS_ARG_BOOL, "a bool", 0, nullptr, 0, 1, 1, 1, nullptr, 0,
     nullptr},
    {sizeof(rlloss_arg_spec), "label", RLLOSS_ARG_STRING, "any string", 0, "none", 0, 0, 0, 0,
     nullptr, 0, nullptr},
};

const LoadedPlugin& typed_plugin() {
  static const rlloss_plugin table = {sizeof(rlloss_plugin),
                                      RLLOSS_ABI_VERSION_MAJOR,
                                      RLLOSS_ABI_VERSION_MINOR,
                                      "typed",
                                      "0.0.1",
                                      "schema-only test plugin",
                                      RLLOSS_DEVICE_BIT(kDLCPU),
                                      nullptr,
                                      0,
                                      kTypedArgs,
                                      3,
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      0};
  static const LoadedPlugin plugin(&table, "typed.so");
  return plugin;
}

ResolvedLossConfig resolve_actor(const std::string& actor_lines,
                                 const std::vector<LossOverride>& overrides = {}) {
  return resolve_loss_args(
      typed_plugin(),
      parse_trainer_yaml("actor_rollout_ref:\n  actor:\n" + actor_lines, ".", "typed.yaml"),
      overrides);
}

std::string actor_error(const std::string& actor_lines) {
  return error_of([&] { resolve_actor(actor_lines); });
}

TEST(ConfigTyping, DefaultsOfEveryType) {
  const ResolvedLossConfig config = resolve_actor("    unrelated: 1\n");
  EXPECT_EQ(config.loss_mode, "typed");
  EXPECT_DOUBLE_EQ(config.args.number("steps"), 10);
  EXPECT_DOUBLE_EQ(config.args.number("flag"), 0);
  EXPECT_EQ(config.args.string("label"), "none");
  EXPECT_EQ(config.args.at("flag").text(), "false");
  EXPECT_EQ(config.args.at("steps").text(), "10");
}

TEST(ConfigTyping, IntegralNumbersAreInts) {
  EXPECT_DOUBLE_EQ(resolve_actor("    steps: 42\n").args.number("steps"), 42);
  EXPECT_DOUBLE_EQ(resolve_actor("    steps: 7.0\n").args.number("steps"), 7);
}

TEST(ConfigTyping, FractionIsNotAnInt) {
  EXPECT_THAT(actor_error("    steps: 1.5\n"),
              AllOf(HasSubstr("typed.yaml:3: actor_rollout_ref.actor.steps = 1.5"),
                    HasSubstr("not an integer"), HasSubstr("an integer in [1, 100]")));
}

TEST(ConfigTyping, IntOutOfRange) {
  EXPECT_THAT(actor_error("    steps: 101\n"),
              AllOf(HasSubstr("actor_rollout_ref.actor.steps = 101"), HasSubstr("out of range"),
                    HasSubstr("an integer in [1, 100]")));
}

TEST(ConfigTyping, BoolIsTrueOrFalse) {
  EXPECT_DOUBLE_EQ(resolve_actor("    flag: true\n").args.number("flag"), 1);
  EXPECT_DOUBLE_EQ(resolve_actor("    flag: False\n").args.number("flag"), 0);
  const ResolvedLossConfig overridden = resolve_actor("    flag: false\n", {{"flag", "TRUE"}});
  EXPECT_EQ(overridden.args.at("flag").text(), "true");
}

TEST(ConfigTyping, Yaml11BoolSpellingsAreRefused) {
  EXPECT_THAT(actor_error("    flag: yes\n"),
              AllOf(HasSubstr("actor_rollout_ref.actor.flag = yes"),
                    HasSubstr("YAML 1.1 boolean spelling"), HasSubstr("true or false")));
  EXPECT_THAT(actor_error("    flag: off\n"), HasSubstr("YAML 1.1 boolean spelling"));
}

TEST(ConfigTyping, NumberIsNotABool) {
  EXPECT_THAT(actor_error("    flag: 1\n"),
              AllOf(HasSubstr("actor_rollout_ref.actor.flag = 1"), HasSubstr("not a bool"),
                    HasSubstr("true or false")));
}

TEST(ConfigTyping, FreeStringTakesAnyScalar) {
  EXPECT_EQ(resolve_actor("    label: 42\n").args.string("label"), "42");
  EXPECT_EQ(resolve_actor("    label: \"quoted text\"\n").args.string("label"), "quoted text");
  EXPECT_THAT(actor_error("    label: {a: b}\n"),
              AllOf(HasSubstr("actor_rollout_ref.actor.label = {a: b}"),
                    HasSubstr("a map where a string belongs"), HasSubstr("a string")));
}

TEST(ConfigTyping, OverrideOfUnknownArgumentListsTypedNames) {
  EXPECT_THAT(error_of([] {
                resolve_actor("", {{"step", "3"}});
              }),
              AllOf(HasSubstr("declares no argument 'step'"),
                    HasSubstr("declared: steps, flag, label"), HasSubstr("did you mean 'steps'?")));
}

}  // namespace
}  // namespace rlloss::test
