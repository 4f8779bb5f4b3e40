// A Loss outlives the Registry that made it: the library stays mapped, the plugin's metadata
// (names, argument specs, metric names) stays readable, and compute still works. Run under
// AddressSanitizer in CI, where a use-after-free fails the test.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

#include "hand_call.hpp"

namespace rlloss::test {
namespace {

using ::testing::HasSubstr;

TEST(Lifecycle, LossOutlivesItsRegistry) {
  std::shared_ptr<Loss> loss;
  std::vector<const rlloss_arg_spec*> specs;
  const char* plugin_name = nullptr;
  {
    Registry registry;
    registry.load_file(RLLOSS_TEST_SAPO_PLUGIN);
    loss = registry.create_default("sapo");
    specs = loss->plugin().args();
    plugin_name = loss->plugin().table().name;
  }
  ASSERT_FALSE(specs.empty());
  for (const rlloss_arg_spec* spec : specs) {
    EXPECT_FALSE(std::string(spec->name).empty());
    EXPECT_FALSE(std::string(spec->doc).empty());
  }
  EXPECT_STREQ(plugin_name, "sapo");
  EXPECT_EQ(loss->name(), "sapo");
  EXPECT_FALSE(loss->metric_names().empty());
  EXPECT_NE(loss->plugin().find_arg(specs.front()->name), nullptr);

  HandCall hand(3, 5, static_cast<int64_t>(loss->metric_names().size()));
  const std::vector<unsigned char> before = hand.output_bytes();
  loss->compute(hand.call());
  EXPECT_NE(hand.output_bytes(), before);
}

// Plugin metadata handed out by one registry stays valid after that registry is gone, and a
// second registry loading the same file gets the same static table (the library is mapped once).
TEST(Lifecycle, MetadataSurvivesTheRegistryAndIsSharedByTheNextOne) {
  std::shared_ptr<const LoadedPlugin> first;
  {
    Registry registry;
    first = registry.load_file(RLLOSS_TEST_PPO_CLIP_PLUGIN);
  }
  Registry second;
  const auto again = second.load_file(RLLOSS_TEST_PPO_CLIP_PLUGIN);
  EXPECT_EQ(&first->table(), &again->table());
  EXPECT_EQ(first->name(), "ppo_clip");
  EXPECT_EQ(first->metric_names(), again->metric_names());
}

TEST(Lifecycle, AFailingComputeAfterTheRegistryIsGoneStillReportsTheMessage) {
  std::shared_ptr<Loss> loss;
  {
    Registry registry;
    registry.load_file(RLLOSS_TEST_SAPO_PLUGIN);
    loss = registry.create_default("sapo");
  }
  HandCall hand(2, 3, static_cast<int64_t>(loss->metric_names().size()));
  rlloss_compute_call call = hand.call();
  call.dp_size = 0;
  try {
    loss->compute(call);
    ADD_FAILURE() << "dp_size 0 was accepted";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("dp_size must be >= 1"));
  }
}

}  // namespace
}  // namespace rlloss::test
