// Reading the trainer settings: defaults, values from YAML, and refused values with messages.
#include "train_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compare.hpp"
#include "metrics_log.hpp"
#include "run_fingerprint.hpp"

namespace rlloss::train {
namespace {

using ::testing::HasSubstr;

TEST(TrainConfig, EmptyYamlGivesTheDefaults) {
  // The values train_config.hpp documents.
  const TrainConfig c = read_train_config(parse_trainer_yaml("{}"));
  EXPECT_EQ(c.train_batch_size, 32);
  EXPECT_EQ(c.rollout_n, 8);
  EXPECT_EQ(c.ppo_mini_batch_size, 8);
  EXPECT_EQ(c.ppo_epochs, 2);
  EXPECT_EQ(c.total_training_steps, 300);
  EXPECT_EQ(c.model.hidden_size, 256);
  EXPECT_DOUBLE_EQ(c.lr, 2e-3);
  EXPECT_EQ(c.seed, 1u);
  EXPECT_EQ(c.response_length(), 4);  // max_digits 3 + EOS
}

TEST(TrainConfig, ReadsVerlShapedKeys) {
  const TrainConfig c = read_train_config(parse_trainer_yaml(R"(
actor_rollout_ref:
  actor: {ppo_mini_batch_size: 4, ppo_epochs: 3, optim: {lr: 0.01}}
  rollout: {'n': 5}
data: {train_batch_size: 12}
trainer: {seed: 42, total_training_steps: 7}
)"));
  EXPECT_EQ(c.ppo_mini_batch_size, 4);
  EXPECT_EQ(c.ppo_epochs, 3);
  EXPECT_DOUBLE_EQ(c.lr, 0.01);
  EXPECT_EQ(c.rollout_n, 5);
  EXPECT_EQ(c.train_batch_size, 12);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.total_training_steps, 7);
}

TEST(TrainConfig, RefusesAWrongType) {
  try {
    read_train_config(parse_trainer_yaml("data: {train_batch_size: many}", ".", "t.yaml"));
    FAIL() << "accepted a non-number batch size";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("data.train_batch_size"));
    EXPECT_THAT(e.what(), HasSubstr("many"));
  }
}

TEST(TrainConfig, RefusesABatchThatMiniBatchesDoNotDivide) {
  try {
    read_train_config(parse_trainer_yaml(
        "data: {train_batch_size: 10}\nactor_rollout_ref: {actor: {ppo_mini_batch_size: 4}}"));
    FAIL() << "accepted 10 prompts in mini-batches of 4";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("multiple of actor.ppo_mini_batch_size"));
  }
}

TEST(TrainConfig, RefusesAMiniBatchTheRanksCannotSplit) {
  TrainConfig c;
  c.ppo_mini_batch_size = 8;
  try {
    check_train_config(c, 3);
    FAIL() << "accepted 8 prompts over 3 ranks";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("number of processes (3)"));
  }
}

TEST(TrainConfig, ReadsTheFaultToleranceKeys) {
  const TrainConfig defaults = read_train_config(parse_trainer_yaml("{}"));
  EXPECT_EQ(defaults.checkpoint_interval, 0);
  EXPECT_EQ(defaults.checkpoint_dir, "checkpoints");
  EXPECT_EQ(defaults.checkpoints_to_keep, 3);
  EXPECT_EQ(defaults.dist_timeout_s, 300);
  EXPECT_EQ(defaults.dist_join_timeout_s, 600);
  EXPECT_TRUE(defaults.log_timing);
  const TrainConfig c = read_train_config(parse_trainer_yaml(
      "trainer: {checkpoint_interval: 5, checkpoint_dir: ck, checkpoints_to_keep: 0, "
      "dist_timeout_s: 2.5, dist_join_timeout_s: 45, log_timing: false}"));
  EXPECT_EQ(c.checkpoint_interval, 5);
  EXPECT_EQ(c.checkpoint_dir, "ck");
  EXPECT_EQ(c.checkpoints_to_keep, 0);
  EXPECT_EQ(c.dist_timeout_s, 2.5);
  EXPECT_EQ(c.dist_join_timeout_s, 45);
  EXPECT_FALSE(c.log_timing);
}

TEST(TrainConfig, RefusesBadFaultToleranceValues) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"trainer: {checkpoint_interval: -1}", "trainer.checkpoint_interval must be >= 0"},
      {"trainer: {checkpoint_dir: ''}", "trainer.checkpoint_dir must not be empty"},
      {"trainer: {checkpoints_to_keep: -2}", "trainer.checkpoints_to_keep must be >= 0"},
      {"trainer: {dist_timeout_s: 0}", "trainer.dist_timeout_s must be in [0.001, 86400]"},
      {"trainer: {dist_timeout_s: 1e9}", "trainer.dist_timeout_s must be in [0.001, 86400]"},
      {"trainer: {dist_join_timeout_s: 0}",
       "trainer.dist_join_timeout_s must be in [0.001, 86400]"},
      {"trainer: {dist_join_timeout_s: -5}",
       "trainer.dist_join_timeout_s must be in [0.001, 86400]"},
      {"trainer: {dist_join_timeout_s: 1e9}",
       "trainer.dist_join_timeout_s must be in [0.001, 86400]"},
      // YAML 1.2 booleans only, as for loss arguments.
      {"trainer: {log_timing: yes}",
       "trainer.log_timing = 'yes': a YAML 1.1 boolean spelling, ambiguous between readers"},
      // One rule for scalars, as for loss arguments: a quoted number is a string.
      {"actor_rollout_ref: {actor: {optim: {lr: \"2e-3\"}}}",
       "actor_rollout_ref.actor.optim.lr = '2e-3': a quoted string where a number belongs"},
      {"trainer: {seed: 1.5}", "trainer.seed = '1.5': not an integer"},
      {"trainer: {checkpoint_interval: '5'}",
       "trainer.checkpoint_interval = '5': a quoted string where an int belongs"},
  };
  for (const auto& [yaml, message] : cases) {
    try {
      read_train_config(parse_trainer_yaml(yaml));
      ADD_FAILURE() << "accepted " << yaml;
    } catch (const RegistryError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message)) << yaml;
    }
  }
}

TEST(RunDescription, NamesEveryKeyThatDiffers) {
  TrainConfig a;
  TrainConfig b = a;
  b.lr = 0.5;
  b.model.hidden_size = 64;
  b.metrics_file = "elsewhere.jsonl";  // where the output goes does not change the run
  b.num_threads = 7;
  const std::string da = describe_run(a, "sapo", {{"tau_neg", "1.05"}});
  const std::string db = describe_run(b, "sapo", {{"tau_neg", "1.2"}});
  EXPECT_EQ(describe_differences(da, da), std::vector<std::string>{});
  EXPECT_EQ(describe_differences(da, db),
            (std::vector<std::string>{"actor_rollout_ref.actor.optim.lr (0.002 vs 0.5)",
                                      "actor_rollout_ref.model.hidden_size (256 vs 64)",
                                      "loss.tau_neg (1.05 vs 1.2)"}));
  EXPECT_EQ(describe_differences(da, db, {"loss.tau_neg", "actor_rollout_ref.actor.optim.lr"}),
            std::vector<std::string>{"actor_rollout_ref.model.hidden_size (256 vs 64)"});
  EXPECT_EQ(describe_differences(describe_run(a, "sapo", {}), describe_run(a, "ppo_clip", {})),
            std::vector<std::string>{"loss.loss_mode (sapo vs ppo_clip)"});
}

TEST(MetricsLine, LeavesOutTimingWhenAsked) {
  StepMetrics m;
  m.set("step", 1);
  m.set("timing/step_s", 0.5);
  m.set("reward/mean", 0.5);
  EXPECT_EQ(to_json_line(m, "timing/"), R"({"step":1,"reward/mean":0.5})");
}

TEST(MetricsLine, IsJsonWithNullForNonFinite) {
  StepMetrics m;
  m.set("step", 3);
  m.set("reward/mean", 0.25);
  m.set("bad", std::nan(""));
  EXPECT_EQ(to_json_line(m), R"({"step":3,"reward/mean":0.25,"bad":null})");
}

TEST(CompareSummary, FinalRewardAndStepsToThreshold) {
  std::vector<StepMetrics> history(4);
  const double rewards[] = {0.1, 0.5, 0.95, 0.85};
  for (int i = 0; i < 4; ++i) {
    history[i].set("step", i + 1);
    history[i].set("reward/mean", rewards[i]);
    history[i].set("actor/kl_old_new", 0.01 * (i + 1));
  }
  const RunSummary s = summarise_run(history, 0.9, 12.0, 2);
  EXPECT_DOUBLE_EQ(s.first_reward, 0.1);
  EXPECT_DOUBLE_EQ(s.final_reward, 0.9);  // (0.95 + 0.85) / 2
  EXPECT_EQ(s.steps_to_threshold, 3);
  EXPECT_DOUBLE_EQ(s.mean_kl, 0.025);
  EXPECT_EQ(summarise_run(history, 0.99, 1.0).steps_to_threshold, -1);
  EXPECT_EQ(mean_and_spread({1.0, 3.0}, 1), "2.0 ± 1.4");
}

}  // namespace
}  // namespace rlloss::train
