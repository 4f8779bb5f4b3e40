// More broken files beside one valid plugin (zoo/hostile): each is refused by load_file with a
// message naming the file and the reason, and skipped by load_directory, which still loads the
// valid plugins. Also: tables of ABI 1.0's exact size load, a failing compute reports the plugin's
// message, and an unreadable file is refused (also when the tests run as root).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <ostream>
#include <rlloss/registry.hpp>
#include <string>

#include "host_tensor.hpp"
#include "log_capture.hpp"
#include "registry_error.hpp"
#include "temp_dir.hpp"
#include "zoo.hpp"

namespace rlloss::test {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct HostileFile {
  const char* label;
  const char* file;  // in zoo/hostile
  const char* reason;
};

const HostileFile kHostileFiles[] = {
    {"truncated_elf", "libtruncated.so", "truncated"},
    {"another_architecture", "libforeign_arch.so", "ELF machine 183 is not this host's (62)"},
    {"empty_name", "librlloss_test_empty_name.so", "its name is empty"},
    {"table_smaller_than_abi_1_0", "librlloss_test_small_table.so", "is smaller than ABI 1.0's"},
    {"arg_spec_smaller_than_abi_1_0", "librlloss_test_small_spec.so",
     "rlloss_arg_spec[0].struct_size is 72, smaller than its ABI 1.0 size 96"},
};

void PrintTo(const HostileFile& hostile, std::ostream* os) {
  *os << hostile.file;
}

class HostilePlugin : public ::testing::TestWithParam<HostileFile> {};

TEST_P(HostilePlugin, LoadFileRefusesNamingTheFileAndTheReason) {
  const std::string path = zoo_file("hostile", GetParam().file).string();
  Registry registry;
  const std::string message = registry_error([&] { registry.load_file(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr(GetParam().reason));
  EXPECT_THAT(registry.names(), IsEmpty());
}

TEST_P(HostilePlugin, LoadDirectorySkipsItWithTheReasonAndLoadsTheRest) {
  const std::string path = zoo_file("hostile", GetParam().file).string();
  LogCapture log;
  Registry registry;
  EXPECT_EQ(registry.load_directory(zoo_dir("hostile")), 2u);
  EXPECT_FALSE(log.line_with({"skipping", path, GetParam().reason}).empty())
      << "no log line names " << path << " and '" << GetParam().reason << "'; the log:\n"
      << log.text();
  EXPECT_THAT(registry.names(), ElementsAre("exact_table", "survivor"));
}

INSTANTIATE_TEST_SUITE_P(Zoo, HostilePlugin, ::testing::ValuesIn(kHostileFiles),
                         [](const ::testing::TestParamInfo<HostileFile>& info) {
                           return std::string(info.param.label);
                         });

// ABI 1.0 is the first ABI: a table and argument specs exactly its size are the oldest, smallest
// ones a plugin can have, and load.
TEST(OlderTable, OfExactlyAbi10SizeLoadsAndCreates) {
  Registry registry;
  const auto plugin = registry.load_file(zoo_file("hostile", "librlloss_test_exact_table.so"));
  EXPECT_EQ(plugin->name(), "exact_table");
  EXPECT_EQ(plugin->table().abi_minor, 0u);
  // Its memory past the 1.0 struct_size holds all ones where 1.1 has `flags`: never read.
  EXPECT_EQ(plugin->flags(), 0u);
  ASSERT_NE(plugin->find_arg("scale"), nullptr);
  EXPECT_NE(registry.create_default("exact_table"), nullptr);
}

// The hand-made plugins' compute always fails with a message: the host reports it, naming the
// plugin, and the status does not crash or get swallowed.
TEST(FailingCompute, PropagatesThePluginsMessage) {
  Registry registry;
  registry.load_directory(zoo_dir("hostile"));
  const auto loss = registry.create_default("survivor");
  HostTensor<float> values{{0.0f}, {1, 1}};
  HostTensor<uint8_t> mask{{1}, {1, 1}};
  HostTensor<float> grad{{0.0f}, {1, 1}};
  HostTensor<float> loss_out{{0.0f}, {1}};
  rlloss_compute_call call{};
  call.struct_size = sizeof call;
  call.log_prob = values.dl();
  call.old_log_prob = values.dl();
  call.advantages = values.dl();
  call.response_mask = mask.dl();
  call.dp_size = 1;
  call.loss = loss_out.dl();
  call.grad_log_prob = grad.dl();
  const std::string message = registry_error([&] { loss->compute(call); });
  EXPECT_THAT(message,
              AllOf(HasSubstr("survivor"), HasSubstr("hand-made test plugins do not compute")));
}

// Permission bits do not stop root, and CI runs the tests as root: the check runs in a child
// process that first drops to the unprivileged user 65534 when it is root. The child reports
// through its exit status and stderr (a failed expectation in a forked child is not seen).
bool unreadable_file_is_refused(const std::filesystem::path& dir,
                                const std::filesystem::path& file) {
  Registry registry;
  const std::string refused = registry_error([&] { registry.load_file(file); });
  LogCapture log;
  const std::size_t loaded = registry.load_directory(dir);
  const std::string skipped = log.line_with({"skipping", file.string(), "Permission denied"});
  const bool ok = refused.find(file.string()) != std::string::npos &&
                  refused.find("Permission denied") != std::string::npos && loaded == 0 &&
                  !skipped.empty();
  if (!ok) {
    std::cerr << "load_file: " << refused << "\nload_directory loaded " << loaded
              << ", log: " << log.text() << std::endl;
  }
  return ok;
}

TEST(UnreadableFile, IsRefusedWithTheReason) {
  TempDir dir;
  const std::filesystem::path copy = dir.path() / "librlloss_unreadable.so";
  std::filesystem::copy_file(zoo_file("hostile", "librlloss_test_survivor.so"), copy);
  std::filesystem::permissions(copy, std::filesystem::perms::none);
  // The unprivileged child must be able to list the directory, only not to read the file.
  using std::filesystem::perms;
  std::filesystem::permissions(dir.path(), perms::owner_all | perms::group_read |
                                               perms::group_exec | perms::others_read |
                                               perms::others_exec);
  constexpr uid_t kNobody = 65534;
  EXPECT_EXIT(
      {
        if (geteuid() == 0 && (setgid(kNobody) != 0 || setuid(kNobody) != 0)) {
          std::cerr << "cannot drop root privileges: " << std::strerror(errno) << std::endl;
          std::_Exit(2);
        }
        std::_Exit(unreadable_file_is_refused(dir.path(), copy) ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace rlloss::test
