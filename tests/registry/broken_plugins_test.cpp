// Files in a plugin directory that are not usable plugins: load_file refuses each with a message
// naming the file and the reason; load_directory skips each with that reason in the log and still
// loads the valid plugins beside them.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <ostream>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

#include "log_capture.hpp"
#include "registry_error.hpp"
#include "zoo.hpp"

namespace rlloss::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct BrokenFile {
  const char* label;
  const char* file;  // in zoo/mixed
  const char* reason;
  const char* detail;  // a second part every message must carry ("" when none)
};

const BrokenFile kBrokenFiles[] = {
    {"no_entry_symbol", "librlloss_test_no_entry.so", "does not export rlloss_plugin_entry", ""},
    {"entry_is_data", "librlloss_test_data_entry.so",
     "exports rlloss_plugin_entry but not as a function", ""},
    {"entry_returns_null", "librlloss_test_null_entry.so", "its entry point returned NULL", ""},
    {"abi_major_99", "librlloss_test_abi_major_99.so", "built for rlloss ABI 99.2",
     "this host speaks ABI 1.2"},
    {"name_not_an_identifier", "librlloss_test_bad_name.so",
     "its name 'not-an-identifier' is not an identifier", ""},
    {"default_outside_range", "librlloss_test_bad_default.so",
     "argument 'scale' has default -1: out of range", "allowed: a float in (0, 10]"},
    {"text_file", "libtext.so", "not an ELF file", ""},
    {"empty_file", "libempty.so", "not an ELF file", ""},
};

void PrintTo(const BrokenFile& broken, std::ostream* os) {
  *os << broken.file;
}

class BrokenPlugin : public ::testing::TestWithParam<BrokenFile> {};

TEST_P(BrokenPlugin, LoadFileRefusesNamingTheFileAndTheReason) {
  const std::string path = zoo_file("mixed", GetParam().file).string();
  Registry registry;
  const std::string message = registry_error([&] { registry.load_file(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr(GetParam().reason));
  EXPECT_THAT(message, HasSubstr(GetParam().detail));
  EXPECT_THAT(registry.names(), IsEmpty());
}

TEST_P(BrokenPlugin, LoadDirectoryLogsWhyItSkipsTheFileAndLoadsTheRest) {
  const std::string path = zoo_file("mixed", GetParam().file).string();
  LogCapture log;
  Registry registry;
  registry.load_directory(zoo_dir("mixed"));
  const std::string line = log.line_with({"skipping", path, GetParam().reason, GetParam().detail});
  EXPECT_FALSE(line.empty()) << "no log line names " << path << " and '" << GetParam().reason
                             << "'; the log:\n"
                             << log.text();
  EXPECT_THAT(line, ::testing::Not(HasSubstr("[debug]")));
  EXPECT_THAT(registry.names(), ElementsAre("handmade", "newer_minor", "refuser"));
}

INSTANTIATE_TEST_SUITE_P(Zoo, BrokenPlugin, ::testing::ValuesIn(kBrokenFiles),
                         [](const ::testing::TestParamInfo<BrokenFile>& info) {
                           return std::string(info.param.label);
                         });

TEST(MixedPluginDirectory, LoadsExactlyTheValidPlugins) {
  Registry registry;
  EXPECT_EQ(registry.load_directory(zoo_dir("mixed")), 3u);
  EXPECT_THAT(registry.names(), ElementsAre("handmade", "newer_minor", "refuser"));
  EXPECT_EQ(registry.get("handmade")->path(), zoo_file("mixed", "librlloss_test_handmade.so"));
}

TEST(MixedPluginDirectory, DanglingSymlinkIsSkippedWithAReason) {
  const std::string path = zoo_file("mixed", "libdangling.so").string();
  LogCapture log;
  Registry registry;
  registry.load_directory(zoo_dir("mixed"));
  EXPECT_FALSE(log.line_with({"skipping", path, "dangling symlink"}).empty()) << log.text();
  EXPECT_THAT(registry_error([&] { registry.load_file(path); }),
              ::testing::AllOf(HasSubstr(path), HasSubstr("does not exist")));
}

TEST(MixedPluginDirectory, FilesNotNamedLikeLibrariesAreIgnoredQuietly) {
  LogCapture log;
  Registry registry;
  registry.load_directory(zoo_dir("mixed"));
  for (const std::string& line : log.lines()) {
    if (line.find("README.txt") != std::string::npos) {
      EXPECT_THAT(line, HasSubstr("[debug]"));
    }
  }
}

// A stray library must not run (constructors included) just because it sits in the directory:
// the .dynsym check happens before dlopen.
TEST(MixedPluginDirectory, FilesWithoutTheEntrySymbolAreNeverMapped) {
  Registry registry;
  registry.load_directory(zoo_dir("mixed"));
  for (const char* file :
       {"librlloss_test_no_entry.so", "librlloss_test_data_entry.so", "libtext.so"}) {
    const std::string path = zoo_file("mixed", file).string();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    EXPECT_EQ(handle, nullptr) << path << " was mapped into the process";
    if (handle != nullptr) dlclose(handle);
  }
}

std::string command_output(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  pclose(pipe);
  return output;
}

// Installed packages ship stripped libraries: no .symtab, only .dynsym. They must load.
TEST(StrippedPlugin, LoadsThroughItsDynamicSymbolTable) {
  const std::string path = zoo_file("stripped", "librlloss_toy_stripped.so").string();
  ASSERT_THAT(command_output(std::string(RLLOSS_TEST_NM) + " '" + path + "'"),
              HasSubstr("no symbols"))
      << "the zoo's stripped plugin still has a .symtab";
  Registry registry;
  EXPECT_EQ(registry.load_directory(zoo_dir("stripped")), 1u);
  ASSERT_THAT(registry.names(), ElementsAre("toy"));
  EXPECT_EQ(registry.get("toy")->path(), path);
  EXPECT_NE(registry.create_default("toy"), nullptr);
}

}  // namespace
}  // namespace rlloss::test
