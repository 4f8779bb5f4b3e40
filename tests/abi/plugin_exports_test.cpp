// A plugin exports exactly one dynamic symbol, its entry point: everything else (the kit, the
// C++ runtime's inline templates, a static CUDA runtime later) stays inside the library.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rlloss/plugin_api.h>
#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace rlloss {
namespace {

struct CommandResult {
  int exit_code = -1;
  std::string output;
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The symbol names of `nm` output lines ("<address> <type> <name>").
std::vector<std::string> symbol_names(const std::string& nm_output) {
  std::vector<std::string> names;
  std::istringstream lines(nm_output);
  std::string line;
  while (std::getline(lines, line)) {
    const auto last_space = line.find_last_of(' ');
    if (!line.empty()) names.push_back(line.substr(last_space + 1));
  }
  return names;
}

class PluginExports : public ::testing::TestWithParam<const char*> {};

TEST_P(PluginExports, OnlyTheEntrySymbolIsDefined) {
  const std::string command =
      std::string(RLLOSS_TEST_NM) + " -D --defined-only '" + GetParam() + "'";
  const CommandResult nm = run_command(command);
  ASSERT_EQ(nm.exit_code, 0) << command << "\n" << nm.output;
  EXPECT_THAT(symbol_names(nm.output), ::testing::ElementsAre(RLLOSS_ENTRY_SYMBOL))
      << command << "\n"
      << nm.output;
}

INSTANTIATE_TEST_SUITE_P(BuiltPlugins, PluginExports,
                         ::testing::Values(RLLOSS_TEST_SHIPPED_PLUGIN_FILES),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           // librlloss_<name>.so -> <name>
                           std::string name = info.param;
                           name = name.substr(name.rfind("librlloss_") + 10);
                           return name.substr(0, name.find('.'));
                         });

}  // namespace
}  // namespace rlloss
