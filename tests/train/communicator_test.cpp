// The Gloo communicator between two forked processes: broadcast takes rank 0's values, all-reduce
// sums, and a configuration that differs is refused on both ranks.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "distributed.hpp"

namespace rlloss::train {
namespace {

namespace fs = std::filesystem;

// Runs `body(communicator)` as rank 0 here and rank 1 in a forked child, through a FileStore in a
// fresh directory; the child's exit code is body's return value. Returns {rank 0's, rank 1's}.
template <typename Body>
std::pair<int, int> on_two_ranks(const std::string& name, Body body) {
  const fs::path dir = fs::temp_directory_path() / (name + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const pid_t child = ::fork();
  DistOptions options;
  options.world_size = 2;
  options.rank = child == 0 ? 1 : 0;
  options.store_dir = dir.string();
  options.timeout_s = 20;
  int code = 99;
  try {
    auto comm = make_communicator(options);
    code = body(*comm);
  } catch (const DistributedError& e) {
    std::fprintf(stderr, "rank %d: %s\n", options.rank, e.what());
    code = 50;
  }
  if (child == 0) std::_Exit(code);
  int status = 0;
  ::waitpid(child, &status, 0);
  fs::remove_all(dir);
  return {code, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST(Communicator, BroadcastGivesEveryRankRankZerosValues) {
  const auto codes = on_two_ranks("rlloss_broadcast_test", [](Communicator& comm) {
    // Each rank starts from its own values, as two machines seeded differently would.
    std::vector<torch::Tensor> parameters{torch::full({2, 3}, 1.0f + comm.rank()),
                                          torch::arange(4, torch::kFloat32) * (comm.rank() + 1)};
    comm.broadcast_from_rank0(parameters);
    const bool ok = torch::equal(parameters[0], torch::full({2, 3}, 1.0f)) &&
                    torch::equal(parameters[1], torch::arange(4, torch::kFloat32));
    return ok ? 0 : 1;
  });
  EXPECT_EQ(codes.first, 0);
  EXPECT_EQ(codes.second, 0);
}

TEST(Communicator, AllReduceSums) {
  const auto codes = on_two_ranks("rlloss_allreduce_test", [](Communicator& comm) {
    std::vector<torch::Tensor> values{
        torch::tensor({1.5, -2.0}, torch::kFloat64) * (comm.rank() + 1), torch::full({3}, 1.0f)};
    comm.all_reduce_sum(values);
    const bool ok = torch::equal(values[0], torch::tensor({4.5, -6.0}, torch::kFloat64)) &&
                    torch::equal(values[1], torch::full({3}, 2.0f));
    return ok ? 0 : 1;
  });
  EXPECT_EQ(codes.first, 0);
  EXPECT_EQ(codes.second, 0);
}

TEST(Communicator, DifferentRunDescriptionsAreRefusedOnEveryRank) {
  const auto codes = on_two_ranks("rlloss_agree_test", [](Communicator& comm) {
    const std::string description = comm.rank() == 0 ? "a=1\nb=2\n" : "a=1\nb=3\nc=4\n";
    try {
      comm.check_same_run(description);
      return 0;
    } catch (const DistributedError& e) {
      const std::string expected =
          "the ranks resolved different configurations (rank 0's value vs the other rank's): "
          "rank 1: b (2 vs 3), c (<absent> vs 4); refusing to start";
      return std::string(e.what()) == expected ? 7 : 8;
    }
  });
  EXPECT_EQ(codes.first, 7);
  EXPECT_EQ(codes.second, 7);
}

TEST(Communicator, SameRunDescriptionsPass) {
  const auto codes = on_two_ranks("rlloss_agree_same_test", [](Communicator& comm) {
    comm.check_same_run("a=1\n");
    return 0;
  });
  EXPECT_EQ(codes.first, 0);
  EXPECT_EQ(codes.second, 0);
}

}  // namespace
}  // namespace rlloss::train
