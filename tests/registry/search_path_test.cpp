// Where the registry looks: RLLOSS_PLUGIN_PATH, the caller's directories, the default directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

#include "log_capture.hpp"
#include "registry_error.hpp"
#include "scoped_env.hpp"
#include "temp_dir.hpp"
#include "zoo.hpp"

namespace rlloss::test {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

constexpr const char* kPathVariable = "RLLOSS_PLUGIN_PATH";
constexpr const char* kMissingDir = "/nonexistent/rlloss-registry-test-dir";

TEST(PluginPathVariable, TwoDirectoriesAreSearchedFirstAndInOrder) {
  ScopedEnv env(kPathVariable, zoo_dir("toy").string() + ":" + zoo_dir("mixed").string());
  const std::vector<fs::path> dirs = Registry::search_path();
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], zoo_dir("toy"));
  EXPECT_EQ(dirs[1], zoo_dir("mixed"));
  Registry registry;
  registry.load_search_path();
  EXPECT_THAT(registry.names(), IsSupersetOf({"toy", "handmade", "newer_minor", "refuser"}));
}

TEST(PluginPathVariable, EmptyEntriesAreIgnored) {
  ScopedEnv env(kPathVariable, "::" + zoo_dir("toy").string() + "::");
  Registry registry;
  registry.load_search_path();
  EXPECT_THAT(registry.names(), Contains("toy"));
}

TEST(PluginPathVariable, MissingDirectoryIsAnErrorNamingIt) {
  ScopedEnv env(kPathVariable, zoo_dir("toy").string() + ":" + kMissingDir);
  Registry registry;
  EXPECT_THAT(registry_error([&] { registry.load_search_path(); }),
              AllOf(HasSubstr(kMissingDir), HasSubstr("does not exist"), HasSubstr(kPathVariable)));
}

TEST(ExtraDirectories, AreSearchedAfterThePathVariable) {
  ScopedEnv env(kPathVariable, zoo_dir("mixed").string());
  const std::vector<fs::path> dirs = Registry::search_path({zoo_dir("toy")});
  ASSERT_GE(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], zoo_dir("mixed"));
  EXPECT_EQ(dirs[1], zoo_dir("toy"));
}

TEST(ExtraDirectories, AreLoaded) {
  ScopedEnv env(kPathVariable, std::nullopt);
  Registry registry;
  registry.load_search_path({zoo_dir("toy")});
  EXPECT_THAT(registry.names(), Contains("toy"));
}

TEST(ExtraDirectories, MissingDirectoryIsAnErrorNamingIt) {
  ScopedEnv env(kPathVariable, std::nullopt);
  Registry registry;
  const std::string message = registry_error([&] {
    registry.load_search_path({zoo_dir("toy"), kMissingDir});
  });
  EXPECT_THAT(message, AllOf(HasSubstr(kMissingDir), HasSubstr("does not exist")));
  EXPECT_THAT(message, Not(HasSubstr(kPathVariable)));
}

TEST(DefaultDirectory, ProvidesTheBuiltPlugins) {
  ScopedEnv env(kPathVariable, std::nullopt);
  Registry registry;
  registry.load_search_path();
  EXPECT_THAT(registry.names(), IsSupersetOf({"sapo", "ppo_clip"}));
}

// A plugin in a named directory wins over the default directory's plugin of the same name
// (a user's build of sapo replaces the installed one, without a duplicate-name error).
TEST(DefaultDirectory, IsShadowedByANamedDirectory) {
  TempDir dir;
  const fs::path copy = dir.path() / "librlloss_sapo.so";
  fs::copy_file(RLLOSS_TEST_SAPO_PLUGIN, copy);
  ScopedEnv env(kPathVariable, std::nullopt);
  LogCapture log;
  Registry registry;
  registry.load_search_path({dir.path()});
  EXPECT_EQ(registry.get("sapo")->path(), copy);
  EXPECT_FALSE(log.line_with({"sapo", "shadowed", copy.string()}).empty()) << log.text();
}

// Naming the default directory explicitly loads each of its plugins once, and none of them is
// reported as shadowed by itself.
TEST(DefaultDirectory, NamedExplicitlyIsNotADuplicateOfItself) {
  const fs::path default_dir = fs::path(RLLOSS_TEST_SAPO_PLUGIN).parent_path();
  ScopedEnv env(kPathVariable, default_dir.string());
  LogCapture log;
  Registry registry;
  registry.load_search_path();
  EXPECT_EQ(registry.get("sapo")->path(), fs::canonical(RLLOSS_TEST_SAPO_PLUGIN));
  EXPECT_EQ(log.line_with({"shadowed"}), "") << log.text();
}

}  // namespace
}  // namespace rlloss::test
