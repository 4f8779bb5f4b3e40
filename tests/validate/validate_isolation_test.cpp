// `host_example validate` checks each plugin file in a child process with a time and a memory
// limit: plugins that crash, exit, hang or allocate without bound (tests/validate/plugins/
// faulty_plugin.c, each in the entry point, create or compute) get a FAIL row naming their file
// and what happened, the shipped plugins are still checked, and the exit code is non-zero.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>

#include "host_example_runner.hpp"

namespace {

using rlloss::test::run_host_example;
using ::testing::HasSubstr;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// The report line of `file`'s isolated run, or "".
std::string row_of(const std::string& output, const std::string& file) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("isolated-run") != std::string::npos &&
        line.find(RLLOSS_TEST_FAULTY_DIR "/" + file + ":") != std::string::npos) {
      return line;
    }
  }
  return "";
}

TEST(ValidateIsolation, EveryFaultIsAFailRowNamingTheFileAndTheShippedPluginsStillPass) {
  const auto start = std::chrono::steady_clock::now();
  // Long enough for the shipped plugins' checks (slow under sanitizers), short for the loop.
  const std::string limit = kAddressSanitizer ? "30" : "10";
  const auto result = run_host_example(
      "--plugin-dir " RLLOSS_TEST_FAULTY_DIR " validate --memory-limit 2048 --time-limit " + limit);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  // ASan reports a segfault itself and exits with code 1.
  const std::string segfault =
      kAddressSanitizer ? "exited with code 1 before it finished" : "killed by signal 11";
  const std::pair<std::string, std::string> expected[] = {
      {"librlloss_fault_entry_segv.so", segfault},
      {"librlloss_fault_entry_exit.so", "exited with code 3 before it finished"},
      {"librlloss_fault_create_abort.so", "killed by signal 6"},
      {"librlloss_fault_compute_segv.so", segfault},
      {"librlloss_fault_compute_exit.so", "exited with code 3 before it finished"},
      {"librlloss_fault_compute_loop.so", "timed out after " + limit + " s"},
  };
  for (const auto& [file, what] : expected) {
    const std::string row = row_of(result.output, file);
    EXPECT_THAT(row, HasSubstr("FAIL")) << file << "\n" << result.output;
    EXPECT_THAT(row, HasSubstr(what)) << file;
  }
  if (!kAddressSanitizer) {
    // The memory limit makes the unbounded allocation fail; the plugin then aborts.
    EXPECT_THAT(row_of(result.output, "librlloss_fault_compute_alloc.so"),
                HasSubstr("killed by signal 6"));
  }
  // The shipped plugins (the default directory) are checked in full beside them.
  EXPECT_THAT(result.output, HasSubstr("320 passed"));
  EXPECT_LT(seconds, 3 * std::stod(limit)) << "the endless loop was not stopped in time";
}

TEST(ValidateIsolation, LimitsAreCheckedOnTheCommandLine) {
  const auto result = run_host_example("validate --time-limit 0");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("--time-limit"));
}

}  // namespace
