// Distributed runs never hang and agree: a rank that dies or stops is named and brings the run
// down within seconds, ranks with different configurations refuse to start, an interrupted
// data-parallel run resumes bit for bit, and nothing listens beyond the loopback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include "checkpoint.hpp"
#include "distributed.hpp"
#include "host_process.hpp"

namespace rlloss::train {
namespace {

using test::file_text;
using test::HostProcess;
using test::ScratchDir;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

fs::path test_config(const std::string& name) {
  return fs::path(RLLOSS_TEST_TRAIN_DIR) / name;
}

std::vector<std::string> train_arguments(const fs::path& config,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> arguments{"--plugin-dir", RLLOSS_TEST_PLUGIN_DIR, "train", "--config",
                                     config.string()};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Starts a two-process run of tiny_faults.yaml (2 s deadline, endless) and waits for 5 steps.
std::unique_ptr<HostProcess> start_pair(const ScratchDir& dir) {
  auto process = std::make_unique<HostProcess>(
      train_arguments(test_config("tiny_faults.yaml"),
                      {"--nproc", "2", "--metrics-file", (dir / "m.jsonl").string(),
                       "--checkpoint-dir", (dir / "ckpt").string()}),
      dir / "run");
  EXPECT_TRUE(HostProcess::wait_until([&] { return test::line_count(dir / "m.jsonl") >= 5; }, 60))
      << process->stderr_text();
  return process;
}

TEST(DistributedFaults, AKilledRankStopsTheRunWithinSeconds) {
  const ScratchDir dir("rlloss_dist_kill_test");
  auto run = start_pair(dir);
  const pid_t child = run->first_child();
  ASSERT_GT(child, 0);
  const auto start = std::chrono::steady_clock::now();
  ::kill(child, SIGKILL);
  const int code = run->wait(30);
  const double detected_s = seconds_since(start);
  EXPECT_EQ(code, 1);
  EXPECT_LT(detected_s, 5.0);
  const std::string err = run->stderr_text();
  EXPECT_THAT(err, HasSubstr("rank 1 (pid " + std::to_string(child) +
                             ") was killed by signal 9 (Killed); stopping the other ranks"));
  std::printf("a killed rank stopped the run in %.2f s\n", detected_s);
}

TEST(DistributedFaults, AStoppedRankIsNamedWhenTheDeadlinePasses) {
  const ScratchDir dir("rlloss_dist_stop_test");
  auto run = start_pair(dir);
  const pid_t child = run->first_child();
  ASSERT_GT(child, 0);
  const auto start = std::chrono::steady_clock::now();
  ::kill(child, SIGSTOP);
  const int code = run->wait(60);
  const double detected_s = seconds_since(start);
  EXPECT_EQ(code, 1);
  EXPECT_GE(detected_s, 1.9);  // the 2 s deadline, not sooner
  EXPECT_LT(detected_s, 10.0);
  const std::string err = run->stderr_text();
  // Whether it stopped before or inside the collective, it no longer answers.
  EXPECT_THAT(err, ContainsRegex("failed on rank 0 after 2(\\.[0-9]+)? s: rank 1 \\((last "
                                 "reached #[0-9]+, )?not responding\\) did not complete it "
                                 "within trainer.dist_timeout_s \\(2 s\\)"));
  // The stopped rank did not outlive the run.
  EXPECT_TRUE(HostProcess::wait_until([&] { return ::kill(child, 0) != 0; }, 5));
  std::printf("a stopped rank was named after %.2f s (deadline 2 s)\n", detected_s);
}

// How run_ranks starts the two --rank processes of a run.
struct RankLaunch {
  fs::path config = test_config("tiny_faults.yaml");
  std::vector<std::string> rank0_extra;
  std::vector<std::string> rank1_extra;
  bool start_rank1 = true;
  double rank1_delay_s = 0;  // rank 1 starts this long after rank 0
};

// Two --rank processes on the loopback, as on two machines; returns their exit codes and stderr.
std::vector<std::pair<int, std::string>> run_ranks(const ScratchDir& dir,
                                                   const RankLaunch& launch) {
  const std::string port = std::to_string(20000 + ::getpid() % 20000);
  std::vector<std::unique_ptr<HostProcess>> processes;
  for (int rank = 0; rank < (launch.start_rank1 ? 2 : 1); ++rank) {
    if (rank == 1) {
      std::this_thread::sleep_for(std::chrono::duration<double>(launch.rank1_delay_s));
    }
    std::vector<std::string> extra{"--rank",         std::to_string(rank),
                                   "--world-size",   "2",
                                   "--master-port",  port,
                                   "--steps",        "3",
                                   "--metrics-file", ""};
    for (const auto& a : rank == 0 ? launch.rank0_extra : launch.rank1_extra) extra.push_back(a);
    processes.push_back(std::make_unique<HostProcess>(train_arguments(launch.config, extra),
                                                      dir / ("rank" + std::to_string(rank))));
  }
  std::vector<std::pair<int, std::string>> results;
  for (auto& p : processes) {
    const int code = p->wait(60);
    results.emplace_back(code, p->stderr_text());
  }
  return results;
}

TEST(DistributedAgreement, RanksWithDifferentConfigurationsRefuseToStart) {
  const ScratchDir dir("rlloss_dist_mismatch_test");
  RankLaunch launch;
  launch.rank1_extra = {"--set", "tau_neg=1.2", "--seed", "4"};
  const auto results = run_ranks(dir, launch);
  for (const auto& [code, err] : results) {
    EXPECT_EQ(code, 1) << err;
    EXPECT_THAT(err, HasSubstr("the ranks resolved different configurations (rank 0's value vs "
                               "the other rank's): rank 1: loss.tau_neg (1.05 vs 1.2), "
                               "trainer.seed (3 vs 4); refusing to start"));
    EXPECT_THAT(err, Not(HasSubstr("step 1/")));
  }
}

TEST(DistributedAgreement, SameConfigurationsTrainTogether) {
  const ScratchDir dir("rlloss_dist_match_test");
  const auto results = run_ranks(dir, RankLaunch{});
  for (const auto& [code, err] : results) EXPECT_EQ(code, 0) << err;
}

// The rendezvous waits for trainer.dist_join_timeout_s (60 s here), not for the 2 s collective
// deadline: a rank that starts later than that still joins.
TEST(DistributedAgreement, ALateRankJoinsWithinTheJoinDeadline) {
  const ScratchDir dir("rlloss_dist_late_test");
  RankLaunch launch;
  launch.rank1_delay_s = 6;
  const auto results = run_ranks(dir, launch);
  for (const auto& [code, err] : results) EXPECT_EQ(code, 0) << err;
}

TEST(DistributedAgreement, AMissingRankIsNamedAtTheJoinDeadline) {
  const ScratchDir dir("rlloss_dist_missing_test");
  // tiny_faults.yaml with a 2 s join deadline.
  std::string yaml = file_text(test_config("tiny_faults.yaml"));
  const std::string join_key = "dist_join_timeout_s: 60";
  const size_t at = yaml.find(join_key);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, join_key.size(), "dist_join_timeout_s: 2");
  RankLaunch launch;
  launch.config = dir / "short_join.yaml";
  std::ofstream(launch.config) << yaml;
  launch.start_rank1 = false;
  const auto results = run_ranks(dir, launch);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].first, 1);
  EXPECT_THAT(results[0].second, HasSubstr("joining the process group (collective #1) failed on "
                                           "rank 0 after 2"));
  EXPECT_THAT(results[0].second, HasSubstr("rank 1 (never joined) did not complete it within "
                                           "trainer.dist_join_timeout_s (2 s)"));
}

TEST(DistributedFaults, AnInterruptedDataParallelRunResumesBitForBit) {
  const ScratchDir dir("rlloss_dist_resume_test");
  const auto arguments = [&](const std::string& name, std::vector<std::string> more) {
    std::vector<std::string> extra{"--nproc",          "2",
                                   "--steps",          "400",
                                   "--metrics-file",   (dir / (name + ".jsonl")).string(),
                                   "--save-params",    (dir / (name + ".pt")).string(),
                                   "--checkpoint-dir", (dir / (name + "_ckpt")).string()};
    extra.insert(extra.end(), more.begin(), more.end());
    return train_arguments(test_config("tiny_resume.yaml"), extra);
  };
  {
    HostProcess whole(arguments("whole", {}), dir / "whole");
    ASSERT_EQ(whole.wait(120), 0) << whole.stderr_text();
  }
  {
    HostProcess part(arguments("split", {}), dir / "part");
    ASSERT_TRUE(
        HostProcess::wait_until([&] { return test::line_count(dir / "split.jsonl") >= 5; }, 60));
    part.signal_all(SIGINT);  // both ranks, as Ctrl-C in a terminal
    EXPECT_EQ(part.wait(60), 128 + SIGINT) << part.stderr_text();
  }
  const auto checkpoint = latest_checkpoint(dir / "split_ckpt");
  ASSERT_TRUE(checkpoint.has_value());
  HostProcess rest(arguments("split", {"--resume", "auto"}), dir / "rest");
  ASSERT_EQ(rest.wait(120), 0) << rest.stderr_text();
  EXPECT_EQ(file_text(dir / "split.jsonl"), file_text(dir / "whole.jsonl"));
  EXPECT_EQ(file_text(dir / "split.pt"), file_text(dir / "whole.pt"));
}

// The local addresses of the TCP sockets process `pid` holds, as /proc/net/tcp writes them.
std::set<std::string> tcp_local_addresses(pid_t pid) {
  std::set<std::string> inodes;
  const fs::path fds = "/proc/" + std::to_string(pid) + "/fd";
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator(fds, ec)) {
    const std::string target = fs::read_symlink(fd.path(), ec).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::set<std::string> addresses;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      if (inodes.count(inode) > 0) addresses.insert(local.substr(0, local.find(':')));
    }
  }
  return addresses;
}

TEST(DistributedFaults, NprocUsesTheLoopbackOnly) {
  const ScratchDir dir("rlloss_dist_loopback_test");
  auto run = start_pair(dir);
  std::set<std::string> addresses;
  for (const pid_t pid : {run->pid(), run->first_child()}) {
    for (const auto& a : tcp_local_addresses(pid)) addresses.insert(a);
  }
  EXPECT_FALSE(addresses.empty());  // Gloo's connections are there to be seen
  for (const auto& address : addresses) {
    EXPECT_TRUE(address == "0100007F" || address == "0000000000000000FFFF00000100007F")
        << "a socket bound to " << address;
  }
  run->signal_all(SIGTERM);
  EXPECT_EQ(run->wait(30), 128 + SIGTERM);
}

}  // namespace
}  // namespace rlloss::train
