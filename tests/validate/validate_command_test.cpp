// `host_example validate` end to end: exit code and table for the shipped plugins, for a broken
// library, and for bad command lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs host_example with `arguments`, without RLLOSS_PLUGIN_PATH from the test's environment.
CommandResult run_host_example(const std::string& arguments) {
  const std::string command =
      "env -u RLLOSS_PLUGIN_PATH '" RLLOSS_TEST_HOST_EXAMPLE "' " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

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
  // 2 plugins x 5 agg modes x 5 checks.
  EXPECT_THAT(result.output, HasSubstr("50 checks on 2 plugin(s): 50 passed, 0 failed"));
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
                                           RLLOSS_TEST_IMPOSTOR_DIR "/librlloss_impostor_sapo.so"),
                         [](const auto& info) {
                           const std::string file = info.param;
                           const auto start = file.find("librlloss_") + 10;
                           return file.substr(start, file.size() - 3 - start);
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
