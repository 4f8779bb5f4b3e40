// One loss instance called from many threads at once gives bitwise the serial results, and the
// registry answers queries while another thread loads a directory. Built under ThreadSanitizer
// in CI (scripts/ci_hardening.sh), where a data race fails the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <rlloss/registry.hpp>
#include <string>
#include <thread>
#include <vector>

#include "hand_call.hpp"
#include "plugin_under_test.hpp"

namespace rlloss::test {
namespace {

using ::testing::HasSubstr;

constexpr int kThreads = 8;
constexpr int kCallsPerThread = 20;

// Outputs of one compute call on the inputs of `call` (shared, read only), into private outputs.
std::vector<unsigned char> compute_outputs(const PluginUnderTest& plugin, rlloss_compute_call call,
                                           int64_t rows, int64_t cols) {
  HandCall own(rows, cols, plugin.table().num_metrics);
  call.loss = own.loss.refresh();
  call.grad_log_prob = own.grad.refresh();
  call.metrics = own.metrics.refresh();
  const ComputeResult result = plugin.compute(&call);
  if (result.status != RLLOSS_OK) ADD_FAILURE() << result.message;
  return own.output_bytes();
}

class OneInstanceManyThreads : public ::testing::TestWithParam<const char*> {};

TEST_P(OneInstanceManyThreads, GiveBitwiseTheSerialResults) {
  PluginUnderTest plugin(GetParam());
  constexpr int64_t kRows = 16;
  constexpr int64_t kCols = 129;
  HandCall batch(kRows, kCols, plugin.table().num_metrics);
  const rlloss_compute_call shared = batch.call();  // built once; the threads only read it
  const std::vector<unsigned char> serial = compute_outputs(plugin, shared, kRows, kCols);

  std::vector<std::vector<std::vector<unsigned char>>> results(kThreads);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();  // start together
      for (int i = 0; i < kCallsPerThread; ++i) {
        results[t].push_back(compute_outputs(plugin, shared, kRows, kCols));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kCallsPerThread; ++i) {
      EXPECT_TRUE(results[t][i] == serial) << "thread " << t << " call " << i << " differs";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ShippedPlugins, OneInstanceManyThreads,
                         ::testing::Values(RLLOSS_TEST_SAPO_PLUGIN, RLLOSS_TEST_PPO_CLIP_PLUGIN),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.index == 0 ? "sapo" : "ppo_clip");
                         });

TEST(RegistryUnderConcurrentLoad, AnswersQueriesWhileADirectoryLoads) {
  Registry registry;
  std::atomic<bool> loading{true};
  std::thread loader([&] {
    for (int i = 0; i < 20; ++i) registry.load_directory(RLLOSS_TEST_PLUGIN_DIR);
    loading = false;
  });
  std::vector<std::thread> readers;
  std::atomic<int> queries{0};
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      do {
        for (const auto& plugin : registry.plugins()) {
          EXPECT_EQ(registry.find(plugin->name()), plugin);
          EXPECT_EQ(registry.get(plugin->name())->path(), plugin->path());
          EXPECT_FALSE(plugin->args().empty());
        }
        for (const std::string& name : registry.names()) EXPECT_NE(registry.find(name), nullptr);
        EXPECT_EQ(registry.find("no_such_loss"), nullptr);
        ++queries;
      } while (loading.load());
    });
  }
  loader.join();
  for (std::thread& reader : readers) reader.join();
  EXPECT_GT(queries.load(), 0);
  EXPECT_THAT(registry.names(), ::testing::IsSupersetOf({"ppo_clip", "sapo"}));
}

// Losses created from many threads at once on one registry, then computed concurrently.
TEST(RegistryUnderConcurrentLoad, CreatesLossesFromManyThreads) {
  Registry registry;
  registry.load_directory(RLLOSS_TEST_PLUGIN_DIR);
  std::vector<std::shared_ptr<Loss>> losses(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(
        [&, t] { losses[t] = registry.create_default(t % 2 == 0 ? "sapo" : "ppo_clip"); });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_NE(losses[t], nullptr);
    EXPECT_EQ(losses[t]->name(), t % 2 == 0 ? "sapo" : "ppo_clip");
  }
}

}  // namespace
}  // namespace rlloss::test
