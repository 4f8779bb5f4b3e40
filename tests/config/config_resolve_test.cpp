// Resolving loss_mode and arguments from verl-shaped YAML: defaults, precedence, overrides,
// what is ignored, the shipped configs, and the loss the plugin creates from the result.
// Expected defaults come from the issue's specification, not from the plugins' code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "test_registry.hpp"

namespace rlloss::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kSapoOnly = R"(
actor_rollout_ref:
  actor:
    policy_loss:
      loss_mode: sapo
)";

constexpr const char* kPpoOnly = R"(
actor_rollout_ref:
  actor:
    policy_loss:
      loss_mode: ppo_clip
)";

TEST(ConfigResolve, SapoTakesSchemaDefaultsWhenYamlIsSilent) {
  const ResolvedLossConfig config = resolve_text(kSapoOnly);
  EXPECT_EQ(config.loss_mode, "sapo");
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 1.0);
  EXPECT_DOUBLE_EQ(config.args.number("tau_neg"), 1.05);
  EXPECT_EQ(config.args.string("loss_agg_mode"), "token-mean");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio"), 0.2);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_low"), 0.2);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_high"), 0.2);
  EXPECT_EQ(config.source("tau_pos"), "default");
  EXPECT_EQ(config.source("loss_agg_mode"), "default");
  EXPECT_EQ(config.source("clip_ratio_low"), "default_from clip_ratio");
  EXPECT_EQ(config.source("clip_ratio_high"), "default_from clip_ratio");
  for (const LossArg& arg : config.args.entries()) EXPECT_FALSE(arg.source.empty()) << arg.name();
}

TEST(ConfigResolve, PpoClipTakesSchemaDefaultsWhenYamlIsSilent) {
  const ResolvedLossConfig config = resolve_text(kPpoOnly);
  EXPECT_EQ(config.loss_mode, "ppo_clip");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio"), 0.2);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_low"), 0.2);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_high"), 0.2);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_c"), 3.0);
  EXPECT_EQ(config.args.string("loss_agg_mode"), "token-mean");
  EXPECT_EQ(config.source("clip_ratio_c"), "default");
}

TEST(ConfigResolve, ReadsActorLevelArguments) {
  const ResolvedLossConfig config = resolve_text(R"(
actor_rollout_ref:
  actor:
    tau_pos: 1.5
    loss_agg_mode: seq-mean-token-sum
    policy_loss:
      loss_mode: sapo
)");
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 1.5);
  EXPECT_EQ(config.args.string("loss_agg_mode"), "seq-mean-token-sum");
  EXPECT_EQ(config.source("tau_pos"), "actor_rollout_ref.actor.tau_pos");
  EXPECT_EQ(config.source("tau_neg"), "default");
}

TEST(ConfigResolve, PolicyLossLevelBeatsActorLevel) {
  const ResolvedLossConfig config = resolve_text(R"(
actor_rollout_ref:
  actor:
    tau_pos: 1.5
    tau_neg: 2.0
    policy_loss:
      loss_mode: sapo
      tau_pos: 0.5
)");
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 0.5);
  EXPECT_EQ(config.source("tau_pos"), "actor_rollout_ref.actor.policy_loss.tau_pos");
  EXPECT_DOUBLE_EQ(config.args.number("tau_neg"), 2.0);
  EXPECT_EQ(config.source("tau_neg"), "actor_rollout_ref.actor.tau_neg");
}

TEST(ConfigResolve, OverridesBeatBothYamlLevels) {
  const ResolvedLossConfig config =
      resolve_text(R"(
actor_rollout_ref:
  actor:
    tau_pos: 1.5
    loss_agg_mode: token-sum
    policy_loss:
      loss_mode: sapo
      tau_pos: 0.5
)",
                   {{"tau_pos", "2"}, {"loss_agg_mode", "seq-mean-token-mean"}});
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 2.0);
  EXPECT_EQ(config.source("tau_pos"), "override");
  EXPECT_EQ(config.args.string("loss_agg_mode"), "seq-mean-token-mean");
  EXPECT_EQ(config.source("loss_agg_mode"), "override");
}

TEST(ConfigResolve, OverrideMayNameTheFullYamlPathAndTheLastOneWins) {
  const ResolvedLossConfig config =
      resolve_text(kSapoOnly, {{"actor_rollout_ref.actor.policy_loss.tau_neg", "1.2"},
                               {"actor_rollout_ref.actor.tau_pos", "0.7"},
                               {"tau_neg", "1.3"}});
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 0.7);
  EXPECT_DOUBLE_EQ(config.args.number("tau_neg"), 1.3);
}

TEST(ConfigResolve, ClipRatioLowAndHighFollowClipRatioWhenOnlyItIsSet) {
  const ResolvedLossConfig config = resolve_text(R"(
actor_rollout_ref:
  actor:
    clip_ratio: 0.3
    policy_loss:
      loss_mode: ppo_clip
)");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio"), 0.3);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_low"), 0.3);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_high"), 0.3);
  EXPECT_EQ(config.source("clip_ratio_low"), "default_from clip_ratio");
}

TEST(ConfigResolve, ExplicitClipRatioLowBeatsDefaultFrom) {
  const ResolvedLossConfig config = resolve_text(R"(
actor_rollout_ref:
  actor:
    clip_ratio: 0.3
    clip_ratio_low: 0.1
    policy_loss:
      loss_mode: ppo_clip
)");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_low"), 0.1);
  EXPECT_EQ(config.source("clip_ratio_low"), "actor_rollout_ref.actor.clip_ratio_low");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_high"), 0.3);
}

TEST(ConfigResolve, OverriddenClipRatioPropagatesThroughDefaultFrom) {
  const ResolvedLossConfig config = resolve_text(kPpoOnly, {{"clip_ratio", "0.25"}});
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_low"), 0.25);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_high"), 0.25);
}

TEST(ConfigResolve, NullsInterpolationsAndTargetsCountAsNotSet) {
  const ResolvedLossConfig config = resolve_text(R"(
actor_rollout_ref:
  actor:
    _target_: verl.workers.config.FSDPActorConfig
    tau_pos: 1.3
    tau_neg: ${oc.select:algorithm.tau_neg,1.2}
    clip_ratio_low: "${.clip_ratio}"
    loss_scale_factor: null
    policy_loss:
      _target_: verl.workers.config.PolicyLossConfig
      loss_mode: sapo
      tau_pos: ~
      loss_agg_mode:
)");
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 1.3);  // policy_loss null: actor level wins
  EXPECT_EQ(config.source("tau_pos"), "actor_rollout_ref.actor.tau_pos");
  EXPECT_DOUBLE_EQ(config.args.number("tau_neg"), 1.05);
  EXPECT_EQ(config.source("tau_neg"), "default");
  EXPECT_EQ(config.source("clip_ratio_low"), "default_from clip_ratio");
  EXPECT_DOUBLE_EQ(config.args.number("loss_scale_factor"), 0.0);
  EXPECT_EQ(config.source("loss_scale_factor"), "default");
  EXPECT_EQ(config.args.string("loss_agg_mode"), "token-mean");
}

TEST(ConfigResolve, IgnoredValuesAreLoggedAtDebugLevel) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(32);
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
  resolve_text(R"(
actor_rollout_ref:
  actor:
    tau_neg: ${oc.select:x,1}
    policy_loss:
      loss_mode: sapo
)");
  spdlog::set_default_logger(previous);
  std::string log;
  for (const auto& line : sink->last_formatted()) log += line;
  EXPECT_THAT(log, HasSubstr("actor_rollout_ref.actor.tau_neg"));
  EXPECT_THAT(log, HasSubstr("${oc.select:x,1}"));
  EXPECT_THAT(log, HasSubstr("not set"));
}

TEST(ConfigResolve, UnrelatedKeysAreIgnored) {
  const ResolvedLossConfig config = resolve_text(R"(
data:
  train_batch_size: 1024
  files: [a.parquet, b.parquet]
trainer: {logger: [console], total_epochs: 3}
actor_rollout_ref:
  model: {path: ~/models/x}
  rollout: {name: vllm, 'n': 8}
  actor:
    ppo_mini_batch_size: 256
    ppo_epochs: 1
    optim: {lr: 1e-6, weight_decay: 0.01}
    clip_ratio_c: [not, for, sapo]
    checkpoint:
      save_contents: [model]
      load_contents: ${.save_contents}
    policy_loss:
      loss_mode: sapo
      clip_cov_ratio: 0.0002
      kl_cov_ratio: "anything"
critic:
  tau_pos: -5
)");
  EXPECT_EQ(config.loss_mode, "sapo");
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 1.0);
  for (const LossArg& arg : config.args.entries()) {
    EXPECT_THAT(arg.source, ::testing::AnyOf("default", "default_from clip_ratio"));
  }
}

TEST(ConfigResolve, ScientificNotationAndIntegersAreFloats) {
  const ResolvedLossConfig config = resolve_text(R"(
actor_rollout_ref:
  actor:
    clip_ratio: 1e-1
    clip_ratio_c: 5
    policy_loss: {loss_mode: ppo_clip}
)");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio"), 0.1);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_c"), 5.0);
}

TEST(ConfigResolve, LossModeOverrideParameterReplacesTheYamls) {
  const ResolvedLossConfig config =
      resolve_loss_config(shipped_registry(), parse_trainer_yaml(kSapoOnly), {}, "ppo_clip");
  EXPECT_EQ(config.loss_mode, "ppo_clip");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_c"), 3.0);
}

TEST(ConfigResolve, LossModeOverrideKeyReplacesTheYamls) {
  const ResolvedLossConfig config =
      resolve_text(kSapoOnly, {{"loss_mode", "ppo_clip"}, {"clip_ratio_c", "2"}});
  EXPECT_EQ(config.loss_mode, "ppo_clip");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_c"), 2.0);
}

TEST(ConfigResolve, ShippedSapoConfigResolves) {
  const TrainerYaml yaml = load_trainer_yaml(fs::path(RLLOSS_TEST_CONFIG_DIR) / "sapo.yaml");
  EXPECT_TRUE(plugin_dirs_from_yaml(yaml).empty());
  const ResolvedLossConfig config = resolve_loss_config(shipped_registry(), yaml);
  EXPECT_EQ(config.loss_mode, "sapo");
  EXPECT_DOUBLE_EQ(config.args.number("tau_pos"), 1.0);
  EXPECT_DOUBLE_EQ(config.args.number("tau_neg"), 1.05);
  EXPECT_EQ(config.source("tau_neg"), "actor_rollout_ref.actor.tau_neg");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_high"), 0.28);
  EXPECT_EQ(config.args.string("loss_agg_mode"), "token-mean");
  EXPECT_EQ(config.source("loss_scale_factor"), "default");
  EXPECT_NE(create_loss(shipped_registry(), config), nullptr);
}

TEST(ConfigResolve, ShippedPpoClipConfigResolves) {
  const TrainerYaml yaml = load_trainer_yaml(fs::path(RLLOSS_TEST_CONFIG_DIR) / "ppo_clip.yaml");
  const ResolvedLossConfig config = resolve_loss_config(shipped_registry(), yaml);
  EXPECT_EQ(config.loss_mode, "ppo_clip");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio"), 0.2);
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_low"), 0.2);
  EXPECT_EQ(config.source("clip_ratio_low"), "actor_rollout_ref.actor.clip_ratio_low");
  EXPECT_DOUBLE_EQ(config.args.number("clip_ratio_c"), 3.0);
  EXPECT_EQ(config.source("clip_ratio_c"), "actor_rollout_ref.actor.clip_ratio_c");
  EXPECT_NE(create_loss(shipped_registry(), config), nullptr);
}

TEST(ConfigResolve, CreatedLossHoldsTheResolvedArguments) {
  const ResolvedLossConfig config = resolve_text(R"(
actor_rollout_ref:
  actor:
    clip_ratio: 0.15
    clip_ratio_high: 0.28
    clip_ratio_c: 4
    loss_agg_mode: seq-mean-token-sum-norm
    loss_scale_factor: 512
    policy_loss: {loss_mode: ppo_clip}
)");
  const std::shared_ptr<Loss> loss = create_loss(shipped_registry(), config);
  ASSERT_NE(loss, nullptr);
  EXPECT_EQ(loss->name(), "ppo_clip");
  EXPECT_DOUBLE_EQ(loss->args().number("clip_ratio_low"), 0.15);
  EXPECT_DOUBLE_EQ(loss->args().number("clip_ratio_high"), 0.28);
  EXPECT_DOUBLE_EQ(loss->args().number("clip_ratio_c"), 4.0);
  EXPECT_DOUBLE_EQ(loss->args().number("loss_scale_factor"), 512.0);
  EXPECT_EQ(loss->args().string("loss_agg_mode"), "seq-mean-token-sum-norm");
  ASSERT_EQ(loss->args().entries().size(), config.args.entries().size());
  for (const LossArg& arg : config.args.entries()) {
    const LossArg* created = loss->args().find(arg.name());
    ASSERT_NE(created, nullptr) << arg.name();
    EXPECT_EQ(created->text(), arg.text()) << arg.name();
    EXPECT_EQ(created->source, arg.source) << arg.name();
  }
}

TEST(ConfigResolve, ArgTextPrintsEachType) {
  const ResolvedLossConfig config = resolve_text(kSapoOnly, {{"tau_neg", "1.25"}});
  EXPECT_EQ(config.args.at("tau_neg").text(), "1.25");
  EXPECT_EQ(config.args.at("loss_agg_mode").text(), "token-mean");
}

TEST(ConfigOverride, ParseSplitsAtTheFirstEqualsAndTrims) {
  const LossOverride plain = parse_override("loss_agg_mode=seq-mean-token-sum");
  EXPECT_EQ(plain.key, "loss_agg_mode");
  EXPECT_EQ(plain.value, "seq-mean-token-sum");
  const LossOverride spaced = parse_override(" tau_pos = 1.2 ");
  EXPECT_EQ(spaced.key, "tau_pos");
  EXPECT_EQ(spaced.value, "1.2");
  const LossOverride nested = parse_override("a=b=c");
  EXPECT_EQ(nested.key, "a");
  EXPECT_EQ(nested.value, "b=c");
}

class PluginDirs : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ =
        fs::temp_directory_path() /
        ("rlloss_config_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(base_ / "plugins");
    fs::create_directories(base_ / "more");
  }
  void TearDown() override { fs::remove_all(base_); }
  fs::path base_;
};

TEST_F(PluginDirs, ListEntriesAreRelativeToTheYamlFile) {
  const fs::path file = base_ / "trainer.yaml";
  std::ofstream(file) << "actor_rollout_ref:\n  actor:\n    policy_loss:\n"
                         "      plugin_dirs: [plugins, "
                      << (base_ / "more").string() << "]\n";
  const auto dirs = plugin_dirs_from_yaml(load_trainer_yaml(file));
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_TRUE(fs::equivalent(dirs[0], base_ / "plugins"));
  EXPECT_TRUE(fs::equivalent(dirs[1], base_ / "more"));
}

TEST_F(PluginDirs, ScalarStringIsOneDirectory) {
  const auto dirs = plugin_dirs_from_yaml(parse_trainer_yaml(
      "actor_rollout_ref: {actor: {policy_loss: {plugin_dirs: plugins}}}", base_));
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_TRUE(fs::equivalent(dirs[0], base_ / "plugins"));
}

TEST_F(PluginDirs, AbsentOrNullGivesNone) {
  EXPECT_TRUE(plugin_dirs_from_yaml(parse_trainer_yaml(kSapoOnly, base_)).empty());
  EXPECT_TRUE(plugin_dirs_from_yaml(
                  parse_trainer_yaml(
                      "actor_rollout_ref: {actor: {policy_loss: {plugin_dirs: null}}}", base_))
                  .empty());
  EXPECT_TRUE(plugin_dirs_from_yaml(parse_trainer_yaml("", base_)).empty());
}

}  // namespace
}  // namespace rlloss::test
