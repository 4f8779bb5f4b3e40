// Every way a trainer YAML or an override can be wrong, and the message that says so: the key
// path, the value as written, and what is allowed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "test_registry.hpp"

namespace rlloss::test {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// A YAML whose loss_mode is `loss_mode` and whose actor section also holds `actor_lines`
// (each indented by four spaces).
std::string sapo_with(const std::string& actor_lines, const std::string& loss_mode = "sapo") {
  return "actor_rollout_ref:\n  actor:\n" + actor_lines +
         "    policy_loss:\n      loss_mode: " + loss_mode + "\n";
}

std::string resolve_error(const std::string& text,
                          const std::vector<LossOverride>& overrides = {}) {
  return error_of([&] { resolve_text(text, overrides); });
}

TEST(ConfigError, ListWhereAFloatBelongs) {
  EXPECT_THAT(resolve_error(sapo_with("    tau_pos: [1, 2]\n")),
              AllOf(HasSubstr("test.yaml:3: "), HasSubstr("actor_rollout_ref.actor.tau_pos"),
                    HasSubstr("[1, 2]"), HasSubstr("a list where a float belongs"),
                    HasSubstr("allowed: a float in (0, inf)")));
}

TEST(ConfigError, MapWhereAFloatBelongs) {
  const std::string text = R"(
actor_rollout_ref:
  actor:
    policy_loss:
      loss_mode: sapo
      tau_neg: {value: 1.05}
)";
  EXPECT_THAT(
      resolve_error(text),
      AllOf(HasSubstr("actor_rollout_ref.actor.policy_loss.tau_neg"), HasSubstr("{value: 1.05}"),
            HasSubstr("a map where a float belongs"), HasSubstr("a float in (0, inf)")));
}

TEST(ConfigError, NonNumericStringForAFloat) {
  EXPECT_THAT(resolve_error(sapo_with("    tau_pos: high\n")),
              AllOf(HasSubstr("actor_rollout_ref.actor.tau_pos = high"), HasSubstr("not a number"),
                    HasSubstr("a float in (0, inf)")));
}

TEST(ConfigError, QuotedNumberIsAStringNotAFloat) {
  EXPECT_THAT(
      resolve_error(sapo_with("    tau_pos: \"1.0\"\n")),
      AllOf(HasSubstr("actor_rollout_ref.actor.tau_pos = \"1.0\""),
            HasSubstr("a quoted string where a float belongs"), HasSubstr("a float in (0, inf)")));
}

TEST(ConfigError, ListWhereAStringBelongs) {
  EXPECT_THAT(resolve_error(sapo_with("    loss_agg_mode: [token-mean]\n")),
              AllOf(HasSubstr("actor_rollout_ref.actor.loss_agg_mode"),
                    HasSubstr("a list where a string belongs"),
                    HasSubstr("one of: token-mean, token-sum, seq-mean-token-sum, "
                              "seq-mean-token-mean, seq-mean-token-sum-norm")));
}

TEST(ConfigError, NegativeTauIsOutOfRange) {
  EXPECT_THAT(resolve_error(sapo_with("    tau_pos: -1\n")),
              AllOf(HasSubstr("actor_rollout_ref.actor.tau_pos"), HasSubstr("-1"),
                    HasSubstr("out of range"), HasSubstr("a float in (0, inf)")));
}

TEST(ConfigError, ZeroTauIsOutOfRange) {
  EXPECT_THAT(resolve_error(sapo_with("    tau_neg: 0\n")),
              AllOf(HasSubstr("actor_rollout_ref.actor.tau_neg = 0"), HasSubstr("out of range"),
                    HasSubstr("a float in (0, inf)")));
}

TEST(ConfigError, NanIsRefused) {
  EXPECT_THAT(resolve_error(sapo_with("    tau_pos: .nan\n")),
              AllOf(HasSubstr("actor_rollout_ref.actor.tau_pos = .nan"),
                    HasSubstr("NaN is not allowed"), HasSubstr("a float in (0, inf)")));
}

TEST(ConfigError, ClipRatioCMustExceedOne) {
  EXPECT_THAT(resolve_error(sapo_with("    clip_ratio_c: 1\n", "ppo_clip")),
              AllOf(HasSubstr("actor_rollout_ref.actor.clip_ratio_c = 1"),
                    HasSubstr("out of range"), HasSubstr("a float in (1, inf)")));
}

TEST(ConfigError, ClipRatioOfOneIsOutOfRange) {
  EXPECT_THAT(
      resolve_error(sapo_with("    clip_ratio: 1.0\n", "ppo_clip")),
      AllOf(HasSubstr("actor_rollout_ref.actor.clip_ratio = 1.0"), HasSubstr("a float in [0, 1)")));
}

// The shipped cispo and dro plugins, for the settings of verl's recipes.
const Registry& cispo_and_dro() {
  static const Registry* registry = [] {
    auto* loaded = new Registry();
    const std::filesystem::path dir = RLLOSS_TEST_PLUGIN_DIR;
    loaded->load_file(dir / "librlloss_cispo.so");
    loaded->load_file(dir / "librlloss_dro.so");
    return loaded;
  }();
  return *registry;
}

ResolvedLossConfig resolve_recipe(const std::string& text) {
  return resolve_loss_config(cispo_and_dro(), parse_trainer_yaml(text, ".", "test.yaml"), {});
}

std::string recipe_error(const std::string& text) {
  return error_of([&] { resolve_recipe(text); });
}

TEST(ConfigError, ClipRatioLowOfTenIsVerlsCispoRecipe) {
  // verl's CISPO recipe sets clip_ratio_low=10: no lower clip. Accepted as verl accepts it.
  const auto config = resolve_recipe(sapo_with("    clip_ratio_low: 10\n", "cispo"));
  EXPECT_EQ(config.args.number("clip_ratio_low"), 10.0);
  EXPECT_THAT(recipe_error(sapo_with("    clip_ratio_low: -0.1\n", "cispo")),
              AllOf(HasSubstr("actor_rollout_ref.actor.clip_ratio_low = -0.1"),
                    HasSubstr("a float in [0, inf)")));
}

TEST(ConfigError, DroWithoutDroBetaNamesTheKey) {
  // verl gives dro_beta no default and refuses a run without it; so do we, naming the key.
  EXPECT_THAT(
      recipe_error(sapo_with("", "dro")),
      AllOf(HasSubstr("actor_rollout_ref.actor.policy_loss.dro_beta is not set"),
            HasSubstr("loss_mode dro has no default for it"), HasSubstr("a float in (0, inf)")));
  EXPECT_THAT(recipe_error(sapo_with("    dro_beta: 0\n", "dro")),
              AllOf(HasSubstr("actor_rollout_ref.actor.dro_beta = 0"), HasSubstr("out of range"),
                    HasSubstr("a float in (0, inf)")));
  const auto config = resolve_recipe(
      "actor_rollout_ref:\n  actor:\n    policy_loss:\n      loss_mode: dro\n"
      "      dro_beta: 0.25\n");
  EXPECT_EQ(config.args.number("dro_beta"), 0.25);
  EXPECT_EQ(config.source("dro_beta"), "actor_rollout_ref.actor.policy_loss.dro_beta");
}

TEST(ConfigError, UnknownAggModeSuggestsTheClosest) {
  EXPECT_THAT(resolve_error(sapo_with("    loss_agg_mode: tokenmean\n")),
              AllOf(HasSubstr("actor_rollout_ref.actor.loss_agg_mode = tokenmean"),
                    HasSubstr("one of: token-mean, token-sum, seq-mean-token-sum, "
                              "seq-mean-token-mean, seq-mean-token-sum-norm"),
                    HasSubstr("did you mean 'token-mean'?")));
}

TEST(ConfigError, FarOffAggModeSuggestsNothing) {
  EXPECT_THAT(resolve_error(sapo_with("    loss_agg_mode: banana\n")),
              AllOf(HasSubstr("loss_agg_mode = banana"), HasSubstr("one of: token-mean"),
                    Not(HasSubstr("did you mean"))));
}

TEST(ConfigError, MissingLossModeNamesTheKeyAndTheLoadedPlugins) {
  EXPECT_THAT(resolve_error("actor_rollout_ref:\n  actor:\n    tau_pos: 1.0\n"),
              AllOf(HasSubstr("test.yaml"),
                    HasSubstr("actor_rollout_ref.actor.policy_loss.loss_mode is not set"),
                    HasSubstr("ppo_clip, sapo")));
  EXPECT_THAT(resolve_error(""), HasSubstr("actor_rollout_ref.actor.policy_loss.loss_mode"));
}

TEST(ConfigError, NullOrInterpolatedLossModeIsNotSet) {
  EXPECT_THAT(resolve_error(sapo_with("", "null")),
              AllOf(HasSubstr("actor_rollout_ref.actor.policy_loss.loss_mode is null"),
                    HasSubstr("ppo_clip, sapo")));
  EXPECT_THAT(resolve_error(sapo_with("", "${algorithm.loss_mode}")),
              AllOf(HasSubstr("loss_mode is an interpolation (${algorithm.loss_mode})"),
                    HasSubstr("ppo_clip, sapo")));
}

TEST(ConfigError, UnknownLossModeListsTheLoadedNames) {
  EXPECT_THAT(
      resolve_error(sapo_with("", "sapoo")),
      AllOf(HasSubstr("test.yaml:4: actor_rollout_ref.actor.policy_loss.loss_mode: "
                      "unknown loss_mode 'sapoo'"),
            HasSubstr("loaded plugins: ppo_clip, sapo"), HasSubstr("did you mean 'sapo'?")));
  EXPECT_THAT(resolve_error(sapo_with("", "vanilla")),
              AllOf(HasSubstr("unknown loss_mode 'vanilla'"), HasSubstr("ppo_clip, sapo"),
                    Not(HasSubstr("did you mean"))));
  EXPECT_THAT(
      resolve_error(sapo_with(""), {parse_override("loss_mode=ppo")}),
      AllOf(HasSubstr("override loss_mode: unknown loss_mode 'ppo'"), HasSubstr("ppo_clip, sapo")));
  EXPECT_THAT(error_of([] {
                resolve_loss_config(shipped_registry(), parse_trainer_yaml(sapo_with("")), {},
                                    "grpo");
              }),
              AllOf(HasSubstr("unknown loss_mode 'grpo'"), HasSubstr("ppo_clip, sapo")));
}

TEST(ConfigError, LossModeMustBeAString) {
  EXPECT_THAT(resolve_error(sapo_with("", "[sapo, ppo_clip]")),
              AllOf(HasSubstr("actor_rollout_ref.actor.policy_loss.loss_mode = [sapo, ppo_clip]"),
                    HasSubstr("a list where a plugin name (a string) belongs"),
                    HasSubstr("loaded plugins: ppo_clip, sapo")));
}

TEST(ConfigError, SectionThatIsNotAMap) {
  EXPECT_THAT(
      resolve_error("actor_rollout_ref:\n  actor: 5\n"),
      AllOf(HasSubstr("actor_rollout_ref.actor = 5"), HasSubstr("a scalar where a map belongs")));
  EXPECT_THAT(error_of([] { parse_trainer_yaml("- a\n- b\n", ".", "list.yaml"); }),
              AllOf(HasSubstr("list.yaml"), HasSubstr("top level is a list")));
}

TEST(ConfigError, OverrideOfAnUndeclaredArgumentListsTheDeclaredOnes) {
  EXPECT_THAT(resolve_error(sapo_with(""), {{"tau_po", "1.2"}}),
              AllOf(HasSubstr("override 'tau_po=1.2'"),
                    HasSubstr("loss 'sapo' declares no argument 'tau_po'"),
                    HasSubstr("declared: tau_pos, tau_neg, clip_ratio, clip_ratio_low, "
                              "clip_ratio_high, importance_sampling_level, loss_agg_mode, "
                              "loss_scale_factor"),
                    HasSubstr("did you mean 'tau_pos'?")));
  EXPECT_THAT(resolve_error(sapo_with(""), {{"clip_ratio_c", "2"}}),
              HasSubstr("loss 'sapo' declares no argument 'clip_ratio_c'"));
}

TEST(ConfigError, OverrideWithoutEquals) {
  EXPECT_THAT(error_of([] { parse_override("tau_pos"); }),
              AllOf(HasSubstr("override 'tau_pos' has no '='"), HasSubstr("key=value")));
  EXPECT_THAT(error_of([] { parse_override("=1.2"); }),
              HasSubstr("override '=1.2' names no argument"));
}

TEST(ConfigError, OverrideValuesAreCheckedLikeYaml) {
  EXPECT_THAT(resolve_error(sapo_with(""), {parse_override("tau_pos=-2")}),
              AllOf(HasSubstr("override tau_pos = -2"), HasSubstr("out of range"),
                    HasSubstr("a float in (0, inf)")));
  EXPECT_THAT(resolve_error(sapo_with(""), {parse_override("loss_agg_mode=token_sum")}),
              AllOf(HasSubstr("override loss_agg_mode = token_sum"),
                    HasSubstr("did you mean 'token-sum'?")));
  EXPECT_THAT(resolve_error(sapo_with(""), {parse_override("tau_neg=[1]")}),
              AllOf(HasSubstr("override tau_neg = [1]"), HasSubstr("a list where a float")));
  EXPECT_THAT(resolve_error(sapo_with(""), {parse_override("tau_neg=")}),
              HasSubstr("override tau_neg has no value"));
  EXPECT_THAT(resolve_error(sapo_with(""), {parse_override("tau_neg=[1")}),
              AllOf(HasSubstr("override tau_neg = [1"), HasSubstr("not a YAML value")));
}

TEST(ConfigError, PluginDirsMustBeAList) {
  const TrainerYaml yaml = parse_trainer_yaml(R"(
actor_rollout_ref:
  actor:
    policy_loss:
      loss_mode: sapo
      plugin_dirs: {first: plugins}
)",
                                              ".", "dirs.yaml");
  EXPECT_THAT(error_of([&] { plugin_dirs_from_yaml(yaml); }),
              AllOf(HasSubstr("dirs.yaml:6: "),
                    HasSubstr("actor_rollout_ref.actor.policy_loss.plugin_dirs = {first: plugins}"),
                    HasSubstr("a map where a list of directories belongs")));
}

TEST(ConfigError, PluginDirsEntryMustBeAString) {
  const TrainerYaml yaml = parse_trainer_yaml(
      "actor_rollout_ref: {actor: {policy_loss: {plugin_dirs: [[a, b]]}}}", ".", "dirs.yaml");
  EXPECT_THAT(error_of([&] { plugin_dirs_from_yaml(yaml); }),
              AllOf(HasSubstr("actor_rollout_ref.actor.policy_loss.plugin_dirs[0] = [a, b]"),
                    HasSubstr("a list where a directory (a string) belongs")));
}

TEST(ConfigError, PluginDirsEntryMustExist) {
  const TrainerYaml yaml = parse_trainer_yaml(
      "actor_rollout_ref: {actor: {policy_loss: {plugin_dirs: [no_such_dir_here]}}}",
      "/nonexistent_base", "dirs.yaml");
  EXPECT_THAT(error_of([&] { plugin_dirs_from_yaml(yaml); }),
              AllOf(HasSubstr("plugin_dirs[0] = no_such_dir_here"),
                    HasSubstr("directory /nonexistent_base/no_such_dir_here does not exist")));
}

TEST(ConfigError, YamlSyntaxErrorNamesFileAndLine) {
  const fs::path file = fs::temp_directory_path() / "rlloss_config_test_syntax_error.yaml";
  std::ofstream(file) << "actor_rollout_ref:\n"  // line 1
                         "  actor:\n"            // line 2
                         "    tau_pos: 1\n"      // line 3
                         "   bad_indent: 2\n";   // line 4: not aligned with any map
  const std::string message = error_of([&] { load_trainer_yaml(file); });
  fs::remove(file);
  EXPECT_THAT(message, AllOf(HasSubstr(file.string() + ":4:"), HasSubstr("YAML syntax error")));
}

TEST(ConfigError, UnclosedFlowListNamesItsLine) {
  EXPECT_THAT(error_of([] { parse_trainer_yaml("a: 1\nb: [1, 2\nc: 3\n", ".", "flow.yaml"); }),
              AllOf(HasSubstr("flow.yaml:3:"), HasSubstr("YAML syntax error")));
}

TEST(ConfigError, MissingFile) {
  EXPECT_THAT(error_of([] { load_trainer_yaml("/nonexistent/trainer.yaml"); }),
              AllOf(HasSubstr("cannot open trainer YAML /nonexistent/trainer.yaml"),
                    HasSubstr("No such file")));
}

TEST(ConfigError, UndeclaredSourceName) {
  const ResolvedLossConfig config = resolve_text(sapo_with(""));
  EXPECT_THAT(error_of([&] { config.source("clip_ratio_c"); }),
              HasSubstr("loss 'sapo' declares no argument 'clip_ratio_c'"));
}

}  // namespace
}  // namespace rlloss::test
