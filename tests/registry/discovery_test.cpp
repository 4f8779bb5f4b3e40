// Which files become plugins: only names ending in .so, each file once however it is reached, a
// real duplicate name an error naming both files, and an ELF pre-check whose cost is bounded by
// the file, not by what its headers claim.
#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Discovery, OnlyNamesEndingInSoAreCandidates) {
  TempDir dir;
  for (const char* name : {"librlloss_toy.so", "librlloss_toy.so.bak", "librlloss_toy.so.old",
                           "librlloss_toy.so.dpkg-new", "librlloss_toy.so.1", "librlloss_toy"}) {
    fs::copy_file(toy_plugin_file(), dir.path() / name);
  }
  Registry registry;
  EXPECT_EQ(registry.load_directory(dir.path()), 1u);
  EXPECT_THAT(registry.names(), ElementsAre("toy"));
  EXPECT_EQ(registry.get("toy")->path(), dir.path() / "librlloss_toy.so");
}

TEST(Discovery, OneFileReachedTwiceLoadsOnce) {
  TempDir dir;
  fs::copy_file(toy_plugin_file(), dir.path() / "librlloss_toy.so");
  fs::create_directory_symlink(dir.path(), dir.path() / "again");
  ScopedEnv env("RLLOSS_PLUGIN_PATH", dir.path().string());
  Registry registry;
  registry.load_search_path({dir.path(), dir.path() / "again"});
  EXPECT_EQ(registry.get("toy")->path(), dir.path() / "librlloss_toy.so");
  EXPECT_EQ(registry.load_directory(dir.path() / "again"), 0u);
  registry.load_file(dir.path() / "again" / "librlloss_toy.so");
  EXPECT_EQ(registry.names().size(), registry.plugins().size());
}

TEST(Discovery, TwoFilesWithOneNameAreAnErrorNamingBoth) {
  TempDir first;
  TempDir second;
  fs::copy_file(toy_plugin_file(), first.path() / "librlloss_toy.so");
  fs::copy_file(toy_plugin_file(), second.path() / "librlloss_toy_copy.so");
  ScopedEnv env("RLLOSS_PLUGIN_PATH", std::nullopt);
  Registry registry;
  const std::string message = registry_error([&] {
    registry.load_search_path({first.path(), second.path()});
  });
  EXPECT_THAT(message, AllOf(HasSubstr("two plugins named 'toy'"),
                             HasSubstr((first.path() / "librlloss_toy.so").string()),
                             HasSubstr((second.path() / "librlloss_toy_copy.so").string())));
}

// Before a plugin's own code runs, the debug log names the file, so a plugin that crashes the
// process under `host_example -v list` is named by the last line.
TEST(Discovery, TheFileIsLoggedBeforeItsEntryPointRuns) {
  LogCapture log;
  Registry registry;
  registry.load_file(toy_plugin_file());
  const std::vector<std::string> lines = log.lines();
  const std::string calling =
      log.line_with({toy_plugin_file().string(), "calling rlloss_plugin_entry"});
  ASSERT_NE(calling, "") << log.text();
  EXPECT_LT(std::find(lines.begin(), lines.end(), calling) - lines.begin(),
            std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
              return line.find("loaded plugin") != std::string::npos;
            }) - lines.begin());
}

// Sets the size that the first section of `type` claims, in a 64-bit ELF file.
void claim_section_size(const fs::path& file, uint32_t type, uint64_t size) {
  std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
  Elf64_Ehdr header;
  stream.read(reinterpret_cast<char*>(&header), sizeof header);
  ASSERT_TRUE(stream && header.e_ident[EI_CLASS] == ELFCLASS64);
  for (uint16_t i = 0; i < header.e_shnum; ++i) {
    const auto at = static_cast<std::streamoff>(header.e_shoff + uint64_t{i} * header.e_shentsize);
    Elf64_Shdr section;
    stream.seekg(at);
    stream.read(reinterpret_cast<char*>(&section), sizeof section);
    if (section.sh_type != type) continue;
    section.sh_size = size;
    stream.seekp(at);
    stream.write(reinterpret_cast<const char*>(&section), sizeof section);
    ASSERT_TRUE(stream);
    return;
  }
  FAIL() << file << " has no section of type " << type;
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(ElfPreCheck, ASectionClaimingMoreThanTheFileIsRefusedInBoundedMemory) {
  for (const uint32_t type : {SHT_DYNSYM, SHT_STRTAB}) {
    TempDir dir;
    const fs::path file = dir.path() / "libclaims_2gb.so";
    fs::copy_file(toy_plugin_file(), file);
    // SHT_STRTAB: the first string table, which in a linked library is .dynstr.
    claim_section_size(file, type, uint64_t{2} << 30);
    const long rss_before = peak_rss_kib();
    const auto start = std::chrono::steady_clock::now();
    Registry registry;
    const std::string message = registry_error([&] { registry.load_file(file); });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_THAT(message,
                AllOf(HasSubstr(file.string()), HasSubstr("is not a plugin"),
                      HasSubstr("claims 2147483648 bytes"), HasSubstr("past the end of the file")));
    EXPECT_LT(peak_rss_kib() - rss_before, 64 * 1024) << "KiB of peak memory grew";
    EXPECT_LT(seconds, 2.0);
  }
}

}  // namespace
}  // namespace rlloss::test
