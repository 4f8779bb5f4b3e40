// `host_example validate` end to end: exit code and table for the shipped plugins, for a broken
// library, and for bad command lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <sstream>
#include <string>

#include "host_example_runner.hpp"

namespace {

using rlloss::test::run_host_example;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ValidateCommand, ShippedPluginsPassWithATable) {
  const auto result = run_host_example("validate --threads 3");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("max error"));
  EXPECT_THAT(result.output, HasSubstr("tolerance"));
  for (const char* text :
       {"sapo", "ppo_clip", "gradient-vs-fd", "masked-nan-inf", "threads-1-vs-N", "dp-half-batches",
        "reference", "seq-mean-token-sum-norm", "token-mean (default)", "PASS"}) {
    EXPECT_THAT(result.output, HasSubstr(text));
  }
  EXPECT_THAT(result.output, Not(HasSubstr("FAIL")));
  // 8 plugins x 5 agg modes x 8 checks.
  EXPECT_THAT(result.output, HasSubstr("320 checks on 8 plugin(s): 320 passed, 0 failed"));
}

TEST(ValidateCommand, OneLossModeOnly) {
  const auto result = run_host_example("validate --loss-mode ppo_clip --seed 7");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("ppo_clip"));
  EXPECT_THAT(result.output, Not(HasSubstr("sapo")));
  EXPECT_THAT(result.output, HasSubstr("seed 7"));
}

class BrokenLibrary : public ::testing::TestWithParam<const char*> {};

TEST_P(BrokenLibrary, FailsWithNonZeroExit) {
  const auto result = run_host_example(std::string("validate --library ") + GetParam());
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("FAIL"));
  EXPECT_THAT(result.output, HasSubstr("(failing: "));
}

INSTANTIATE_TEST_SUITE_P(Flaws, BrokenLibrary,
                         ::testing::Values(RLLOSS_TEST_BROKEN_DIR "/librlloss_bad_grad.so",
                                           RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_leak.so",
                                           RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_thread_sum.so",
                                           RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_local_count.so",
                                           RLLOSS_TEST_BROKEN_DIR
                                           "/librlloss_naive_writes_nothing.so",
                                           RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_loss_only.so",
                                           RLLOSS_TEST_BROKEN_DIR
                                           "/librlloss_naive_ignores_mask.so",
                                           RLLOSS_TEST_BROKEN_DIR "/librlloss_naive_ignores_is.so",
                                           RLLOSS_TEST_IMPOSTOR_DIR "/librlloss_impostor_sapo.so"),
                         [](const auto& info) {
                           const std::string file = info.param;
                           const auto start = file.find("librlloss_") + 10;
                           return file.substr(start, file.size() - 3 - start);
                         });

// Plugins built to cheat fail with a row that says why.
struct Cheat {
  const char* file;   // in the broken directory
  const char* check;  // the check whose row must say why
  const char* why;
};

class CheatingPlugin : public ::testing::TestWithParam<Cheat> {};

TEST_P(CheatingPlugin, FailsWithARowThatSaysWhy) {
  const auto result = run_host_example(
      std::string("validate --library " RLLOSS_TEST_BROKEN_DIR "/") + GetParam().file);
  EXPECT_NE(result.exit_code, 0);
  std::istringstream lines(result.output);
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.find(GetParam().check) != std::string::npos &&
        line.find("FAIL") != std::string::npos && line.find(GetParam().why) != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found) << result.output;
}

INSTANTIATE_TEST_SUITE_P(
    Cheats, CheatingPlugin,
    ::testing::Values(
        Cheat{"librlloss_naive_writes_nothing.so", "gradient-vs-fd", "left the loss unwritten"},
        Cheat{"librlloss_naive_loss_only.so", "gradient-vs-fd",
              "left grad_log_prob[0, 0] unwritten"},
        Cheat{"librlloss_naive_ignores_mask.so", "on-policy-grad", "expected -A w = 0 (masked)"},
        Cheat{"librlloss_naive_ignores_mask.so", "masked-nan-inf", "NaN in masked slots"},
        Cheat{"librlloss_naive_ignores_is.so", "on-policy-grad", "worst: IS"},
        Cheat{"librlloss_naive_local_count.so", "on-policy-grad", "DP"},
        Cheat{"librlloss_naive_thread_sum.so", "threads-1-vs-N", "vs 1 threads"},
        Cheat{"librlloss_naive_keeps_pointer.so", "inputs-moved", "new values in the same buffers"},
        Cheat{"librlloss_naive_ignores_strides.so", "layouts", "(compact float64)"}),
    [](const auto& info) {
      const std::string file = info.param.file;
      const std::string check = info.param.check;
      std::string name = file.substr(10, file.size() - 13) + "_" + check;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(ValidateCommand, MissingLibraryIsAnError) {
  const auto result = run_host_example("validate --library /nonexistent/librlloss_x.so");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("/nonexistent/librlloss_x.so does not exist"));
}

TEST(ValidateCommand, UnknownLossModeListsTheLoadedPlugins) {
  const auto result = run_host_example("validate --loss-mode no_such_loss");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("unknown loss_mode 'no_such_loss'"));
  EXPECT_THAT(result.output, HasSubstr("sapo"));
}

TEST(ValidateCommand, LibraryAndOtherLossModeDisagree) {
  const auto result = run_host_example("validate --library " RLLOSS_TEST_BROKEN_DIR
                                       "/librlloss_bad_grad.so --loss-mode sapo");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("--loss-mode sapo does not match the plugin 'bad_grad'"));
}

}  // namespace
