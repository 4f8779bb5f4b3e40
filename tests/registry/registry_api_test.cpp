// Registry behaviour beyond single files: duplicate names, reloading, lookups, the lifetime of a
// loss, create errors, and a plugin from a newer ABI minor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <rlloss/registry.hpp>
#include <string>

#include "registry_error.hpp"
#include "temp_dir.hpp"
#include "zoo.hpp"

namespace rlloss::test {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DuplicateNames, LoadDirectoryNamesBothFiles) {
  Registry registry;
  const std::string message = registry_error([&] { registry.load_directory(zoo_dir("dup")); });
  EXPECT_THAT(message, AllOf(HasSubstr("two plugins named 'dup_loss'"),
                             HasSubstr(zoo_file("dup", "librlloss_test_dup_a.so").string()),
                             HasSubstr(zoo_file("dup", "librlloss_test_dup_b.so").string())));
}

TEST(DuplicateNames, SecondLoadFileIsRefusedAndTheFirstStays) {
  const fs::path first = zoo_file("dup", "librlloss_test_dup_a.so");
  const fs::path second = zoo_file("dup", "librlloss_test_dup_b.so");
  Registry registry;
  registry.load_file(first);
  EXPECT_THAT(registry_error([&] { registry.load_file(second); }),
              AllOf(HasSubstr("dup_loss"), HasSubstr(first.string()), HasSubstr(second.string())));
  EXPECT_EQ(registry.get("dup_loss")->path(), first);
}

TEST(Reloading, SameFileTwiceIsOnePlugin) {
  Registry registry;
  const auto first = registry.load_file(toy_plugin_file());
  const auto again = registry.load_file(toy_plugin_file());
  const auto dotted = registry.load_file(zoo_dir("toy") / "." / "librlloss_toy.so");
  EXPECT_EQ(first, again);
  EXPECT_EQ(first, dotted);
  EXPECT_THAT(registry.names(), ElementsAre("toy"));
}

TEST(Reloading, SameDirectoryTwiceAddsNothingTheSecondTime) {
  Registry registry;
  EXPECT_EQ(registry.load_directory(zoo_dir("toy")), 1u);
  EXPECT_EQ(registry.load_directory(zoo_dir("toy")), 0u);
  EXPECT_THAT(registry.names(), ElementsAre("toy"));
}

TEST(Reloading, SymlinkToALoadedPluginIsNotADuplicate) {
  TempDir dir;
  fs::create_symlink(toy_plugin_file(), dir.path() / "librlloss_toy_link.so");
  Registry registry;
  registry.load_file(toy_plugin_file());
  EXPECT_EQ(registry.load_directory(dir.path()), 0u);
  EXPECT_EQ(registry.get("toy")->path(), toy_plugin_file());
}

TEST(Lookup, UnknownNameListsTheLoadedNames) {
  Registry registry;
  registry.load_directory(zoo_dir("mixed"));
  registry.load_directory(zoo_dir("toy"));
  EXPECT_EQ(registry.find("nope"), nullptr);
  EXPECT_THAT(registry_error([&] { registry.get("nope"); }),
              AllOf(HasSubstr("'nope'"), HasSubstr("handmade, newer_minor, refuser, toy")));
}

TEST(Lookup, UnknownNameInAnEmptyRegistrySaysNoneAreLoaded) {
  Registry registry;
  EXPECT_THAT(registry_error([&] { registry.get("sapo"); }),
              AllOf(HasSubstr("'sapo'"), HasSubstr("none")));
}

TEST(LoadedPluginMetadata, ToyDescribesItself) {
  Registry registry;
  const auto toy = registry.load_file(toy_plugin_file());
  EXPECT_EQ(toy->name(), "toy");
  EXPECT_EQ(toy->version(), "0.1.0");
  EXPECT_THAT(toy->device_names(), ElementsAre("cpu"));
  EXPECT_THAT(toy->metric_names(), ElementsAre("ratio_mean"));
  ASSERT_NE(toy->find_arg("scale"), nullptr);
  EXPECT_EQ(toy->find_arg("scale")->default_number, 1.0);
  EXPECT_EQ(toy->find_arg("nope"), nullptr);
}

// What create() itself says of a value the host's checks would have stopped: called directly.
std::string create_message(const LoadedPlugin& plugin, const char* name, double number) {
  const rlloss_arg_value value{sizeof(rlloss_arg_value), name, RLLOSS_ARG_FLOAT, number, nullptr};
  char message[512] = "";
  rlloss_error_buffer error{sizeof(rlloss_error_buffer), message, sizeof message};
  rlloss_instance* instance = nullptr;
  EXPECT_EQ(plugin.table().create(&value, 1, &instance, &error), RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(instance, nullptr);
  return message;
}

TEST(Create, BadArgumentIsRefusedByTheHostAndByThePlugin) {
  Registry registry;
  const auto toy = registry.load_file(toy_plugin_file());
  LossArgs args(toy->table());
  EXPECT_THAT(registry_error([&] { args.set("scale", -1.0, "test"); }),
              HasSubstr("argument 'scale' = -1: out of range; allowed: a float in (0, inf)"));
  EXPECT_THAT(create_message(*toy, "scale", -1.0),
              HasSubstr("argument 'scale' = -1: out of range; allowed: a float in (0, inf)"));
  EXPECT_THAT(registry_error([&] { args.number("sclae"); }),
              HasSubstr("loss 'toy' declares no argument 'sclae'; declared: scale, loss_agg_mode"));
}

TEST(Create, SapoRefusesANegativeTau) {
  Registry registry;
  const auto sapo = registry.load_file(RLLOSS_TEST_SAPO_PLUGIN);
  EXPECT_THAT(create_message(*sapo, "tau_pos", -1.0),
              HasSubstr("argument 'tau_pos' = -1: out of range; allowed: a float in (0, inf)"));
}

TEST(Create, ArgumentsOfAnotherLossAreRefused) {
  Registry registry;
  registry.load_file(toy_plugin_file());
  const auto sapo = registry.load_file(RLLOSS_TEST_SAPO_PLUGIN);
  LossArgs args(sapo->table());
  args.apply_defaults();
  EXPECT_THAT(registry_error([&] { registry.create("toy", args); }),
              HasSubstr("arguments of loss 'sapo' given to plugin 'toy'"));
}

TEST(Create, CreateDefaultGivesThePluginsMessage) {
  Registry registry;
  registry.load_directory(zoo_dir("mixed"));
  EXPECT_THAT(
      registry_error([&] { registry.create_default("refuser"); }),
      AllOf(HasSubstr("plugin 'refuser'"), HasSubstr("refuses every argument set, on purpose")));
}

TEST(Create, UnknownNameListsTheLoadedNames) {
  Registry registry;
  registry.load_file(toy_plugin_file());
  EXPECT_THAT(registry_error([&] { registry.create_default("nope"); }),
              AllOf(HasSubstr("'nope'"), HasSubstr("toy")));
}

// A table and schema from ABI 1.99 carry appended fields: the host reads what it knows, strides
// the schema by the plugin's struct_size, and the plugin's create receives every default.
TEST(NewerAbiMinor, IsAcceptedAndItsSchemaReadByStructSize) {
  Registry registry;
  const auto plugin = registry.load_file(zoo_file("mixed", "librlloss_test_newer_minor.so"));
  EXPECT_EQ(plugin->table().abi_minor, 99u);
  EXPECT_GT(plugin->table().struct_size, sizeof(rlloss_plugin));
  std::vector<std::string> names;
  for (const rlloss_arg_spec* spec : plugin->args()) names.push_back(spec->name);
  EXPECT_THAT(names, ElementsAre("alpha", "mode", "beta"));
  ASSERT_NE(plugin->find_arg("beta"), nullptr);
  EXPECT_STREQ(plugin->find_arg("beta")->default_from, "alpha");
  EXPECT_STREQ(plugin->find_arg("mode")->default_string, "fast");
  EXPECT_NE(registry.create_default("newer_minor"), nullptr);
}

}  // namespace
}  // namespace rlloss::test
