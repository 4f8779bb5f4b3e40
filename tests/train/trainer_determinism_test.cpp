// A seed makes a training run repeatable: same seed, same parameters and metrics bit for bit.
#include <gtest/gtest.h>

#include <rlloss/registry.hpp>

#include "trainer.hpp"

namespace rlloss::train {
namespace {

TrainConfig tiny_config(uint64_t seed) {
  TrainConfig c;
  c.train_batch_size = 4;
  c.ppo_mini_batch_size = 2;
  c.rollout_n = 4;
  c.ppo_epochs = 2;
  c.model.embed_size = 8;
  c.model.hidden_size = 16;
  c.total_training_steps = 3;
  c.seed = seed;
  c.metrics_file.clear();
  return c;
}

class TrainerDeterminism : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    registry_ = new Registry();
    registry_->load_directory(RLLOSS_TEST_PLUGIN_DIR);
  }
  static Registry* registry_;
};
Registry* TrainerDeterminism::registry_ = nullptr;

TEST_P(TrainerDeterminism, SameSeedSameRunDifferentSeedDifferentRun) {
  // Defaults, and 0.5 for an argument without one (dro_beta), as a trainer YAML would set it.
  LossArgs args(registry_->get(GetParam())->table());
  for (const LossArg& arg : args.entries()) {
    if (contract::is_required(*arg.spec)) args.set(arg.name(), 0.5, "test");
  }
  args.apply_defaults();
  const std::shared_ptr<Loss> loss = registry_->create(GetParam(), args);
  auto comm = make_communicator({});
  const TrainResult a = train_policy(tiny_config(5), *loss, *comm);
  const TrainResult b = train_policy(tiny_config(5), *loss, *comm);
  const TrainResult c = train_policy(tiny_config(6), *loss, *comm);
  ASSERT_EQ(a.history.size(), 3u);
  EXPECT_TRUE(torch::equal(a.parameters, b.parameters));
  for (size_t s = 0; s < a.history.size(); ++s) {
    EXPECT_EQ(a.history[s].get("reward/mean"), b.history[s].get("reward/mean"));
    EXPECT_EQ(a.history[s].get("actor/grad_norm"), b.history[s].get("actor/grad_norm"));
  }
  EXPECT_FALSE(torch::allclose(a.parameters, c.parameters));
  // Off-policy mini-batches saw a policy that had moved since sampling.
  EXPECT_GT(a.history.back().get("actor/kl_old_new"), 0.0);
}

// Every plugin the build ships, without the test naming one.
std::vector<std::string> shipped_plugins() {
  Registry registry;
  registry.load_directory(RLLOSS_TEST_PLUGIN_DIR);
  return registry.names();
}

INSTANTIATE_TEST_SUITE_P(EveryPlugin, TrainerDeterminism, ::testing::ValuesIn(shipped_plugins()));

}  // namespace
}  // namespace rlloss::train
