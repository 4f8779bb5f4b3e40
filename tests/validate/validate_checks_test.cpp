// The validate checks: all pass on the shipped plugins in every loss_agg_mode, and each fails on a
// plugin broken on purpose in exactly the way it is meant to catch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <rlloss/kit/aggregation.hpp>
#include <rlloss/registry.hpp>
#include <set>
#include <string>
#include <validate/checks.hpp>
#include <validate/loss_configurations.hpp>

namespace rlloss::validate {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kThreads = 4;

const CheckResult* find_check(const std::vector<CheckResult>& results, const std::string& name) {
  for (const auto& result : results) {
    if (result.name == name) return &result;
  }
  return nullptr;
}

// "librlloss_bad_grad.so" -> "bad_grad".
std::string plugin_name_of(const std::string& file) {
  const auto start = file.find("librlloss_") + 10;
  return file.substr(start, file.size() - 3 - start);
}

class RealPlugin : public ::testing::TestWithParam<const char*> {};

TEST_P(RealPlugin, EveryCheckPassesInEveryAggregationMode) {
  Registry registry;
  registry.load_directory(RLLOSS_TEST_PLUGIN_DIR);
  const auto configurations = loss_configurations(registry, GetParam());

  std::set<std::string> labels;
  for (const auto& configuration : configurations) labels.insert(configuration.label);
  std::set<std::string> expected_labels = {"token-mean (default)"};
  for (uint32_t i = 1; i < kit::kNumAggModes; ++i) expected_labels.insert(kit::kAggModeNames[i]);
  EXPECT_EQ(labels, expected_labels);

  for (const auto& configuration : configurations) {
    ASSERT_TRUE(configuration.loss) << configuration.error;
    const auto results = run_checks(*configuration.loss, {1234, kThreads});
    std::set<std::string> names;
    for (const auto& result : results) {
      names.insert(result.name);
      EXPECT_TRUE(result.passed) << GetParam() << " " << result.name << " " << result.variant
                                 << ": " << result.detail;
      EXPECT_LE(result.max_error, result.tolerance);
    }
    EXPECT_EQ(names, (std::set<std::string>{"gradient-vs-fd", "masked-nan-inf", "threads-1-vs-N",
                                            "dp-half-batches", "on-policy-grad", "layouts",
                                            "inputs-moved", "reference"}));
    // The kit serves every layout, float32 and float masks included: none refused.
    for (const auto& result : results) {
      if (result.name == "layouts") {
        EXPECT_THAT(result.detail, Not(HasSubstr("refused")));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ShippedPlugins, RealPlugin, ::testing::Values("sapo", "ppo_clip"));

TEST(RealPlugin, ChecksPassWithAnotherSeed) {
  Registry registry;
  registry.load_directory(RLLOSS_TEST_PLUGIN_DIR);
  for (const char* name : {"sapo", "ppo_clip"}) {
    const auto loss = registry.create_default(name);
    for (const auto& result : run_checks(*loss, {987654321, 3})) {
      EXPECT_TRUE(result.passed) << name << " " << result.name << ": " << result.detail;
    }
  }
}

struct BrokenCase {
  const char* file;          // under the broken or impostor directory
  const char* failing;       // the check that must fail
  const char* detail;        // what its detail must say
  const char* also_failing;  // another check that must fail too; "" none; "*" others unchecked
};

void PrintTo(const BrokenCase& c, std::ostream* os) {
  *os << c.file;
}

class BrokenPlugin : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(BrokenPlugin, TheCheckMeantForItsFlawFails) {
  const BrokenCase& c = GetParam();
  Registry registry;
  const auto plugin = registry.load_file(c.file);
  const auto configurations = loss_configurations(registry, plugin->name());
  ASSERT_FALSE(configurations.empty());
  ASSERT_TRUE(configurations.front().loss) << configurations.front().error;
  const auto results = run_checks(*configurations.front().loss, {1234, kThreads});

  const CheckResult* failing = find_check(results, c.failing);
  ASSERT_NE(failing, nullptr) << c.failing << " did not run";
  EXPECT_FALSE(failing->passed);
  EXPECT_GT(failing->max_error, failing->tolerance);
  EXPECT_THAT(failing->detail, HasSubstr(c.detail));
  if (std::string(c.also_failing) == "*") return;
  for (const auto& result : results) {
    if (result.name == c.failing) continue;
    if (result.name == c.also_failing) {
      EXPECT_FALSE(result.passed) << result.name << " should catch this flaw too";
    } else {
      EXPECT_TRUE(result.passed) << result.name << ": " << result.detail;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Flaws, BrokenPlugin,
    // The on-policy gradient check catches every flaw that changes the gradient at ratio 1.
    ::testing::Values(BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_bad_grad.so", "gradient-vs-fd",
                                 "vs finite difference", "on-policy-grad"},
                      BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_leak.so",
                                 "masked-nan-inf", "in masked slots", ""},
                      // Its OpenMP reduction may also vary from call to call, so other bitwise
                      // checks may fail too: only the thread check is required to.
                      BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_thread_sum.so",
                                 "threads-1-vs-N", "vs 1 threads", "*"},
                      BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_local_count.so",
                                 "dp-half-batches", "mean of ranks'", "on-policy-grad"},
                      BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_ignores_is.so",
                                 "on-policy-grad", "worst: IS", ""},
                      BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_ignores_mask.so",
                                 "on-policy-grad", "(masked)", "masked-nan-inf"},
                      // It caches by address, and malloc hands freed addresses out again, so
                      // other checks may be served stale results too.
                      BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_keeps_pointer.so",
                                 "inputs-moved", "new values in the same buffers", "*"},
                      BrokenCase{RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_ignores_strides.so",
                                 "layouts", "(compact float64)", ""},
                      BrokenCase{RLLOSS_TEST_IMPOSTOR_DIR "/librlloss_impostor_sapo.so",
                                 "reference", "vs reference", "on-policy-grad"}),
    [](const auto& info) { return plugin_name_of(info.param.file); });

TEST(LayoutCheck, AnUnsupportedRefusalIsNamedNotFailed) {
  // The naive plugins take float64 and byte masks only, and say so with RLLOSS_ERROR_UNSUPPORTED.
  Registry registry;
  const auto plugin = registry.load_file(RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_ignores_is.so");
  const auto loss = registry.create_default(plugin->name());
  const CheckResult result = check_layouts(*loss, {});
  EXPECT_TRUE(result.passed) << result.detail;
  EXPECT_THAT(result.detail, HasSubstr("refused as unsupported: float64 mask; float32 mask, "
                                       "column-major; float32; float32, bool mask, padded "
                                       "strides, broadcast advantages"));
}

TEST(LossConfigurations, PluginWithoutAggModeRunsOnlyItsDefaults) {
  Registry registry;
  const auto plugin = registry.load_file(RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_leak.so");
  const auto configurations = loss_configurations(registry, plugin->name());
  ASSERT_EQ(configurations.size(), 1u);
  EXPECT_EQ(configurations[0].label, "defaults");
  ASSERT_TRUE(configurations[0].loss);
  EXPECT_EQ(configuration_label(*configurations[0].loss), "defaults");
}

TEST(LossConfigurations, UnknownLossModeNamesTheLoadedOnes) {
  Registry registry;
  registry.load_directory(RLLOSS_TEST_PLUGIN_DIR);
  try {
    loss_configurations(registry, "no_such_loss");
    FAIL() << "expected an error";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no_such_loss"));
    EXPECT_THAT(e.what(), HasSubstr("sapo"));
  }
}

}  // namespace
}  // namespace rlloss::validate
