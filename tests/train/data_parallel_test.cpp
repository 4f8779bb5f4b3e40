// Data parallel through c10d Gloo: `host_example train --nproc 2` on loopback ends with the same
// parameters, within float tolerance, as one process on the same global batch.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "model.hpp"
#include "train_config.hpp"

namespace rlloss::train {
namespace {

namespace fs = std::filesystem;

torch::Tensor run_and_load(int nproc, const fs::path& dir) {
  const fs::path params = dir / ("params_" + std::to_string(nproc) + ".pt");
  const std::string command = std::string(RLLOSS_TEST_HOST_EXAMPLE) + " --plugin-dir " +
                              RLLOSS_TEST_PLUGIN_DIR + " train --config " + RLLOSS_TEST_TRAIN_DIR +
                              "/tiny_dp.yaml --nproc " + std::to_string(nproc) + " --save-params " +
                              params.string() + " > " +
                              (dir / ("log_" + std::to_string(nproc))).string() + " 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  torch::Tensor loaded;
  torch::load(loaded, params.string());
  return loaded;
}

TEST(DataParallel, TwoProcessesMatchOneOnTheSameGlobalBatch) {
  const fs::path dir = fs::temp_directory_path() / ("rlloss_dp_test_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const torch::Tensor one = run_and_load(1, dir);
  const torch::Tensor two = run_and_load(2, dir);
  ASSERT_EQ(one.sizes(), two.sizes());
  const double difference = (one - two).abs().max().item<double>();
  EXPECT_LT(difference, 1e-5);

  // Not trivially equal: training moved the parameters far beyond that tolerance.
  const TrainConfig config =
      read_train_config(load_trainer_yaml(std::string(RLLOSS_TEST_TRAIN_DIR) + "/tiny_dp.yaml"));
  torch::manual_seed(config.seed);
  PolicyModel initial(config.model);
  std::vector<torch::Tensor> parts;
  for (const auto& p : initial->parameters()) parts.push_back(p.detach().reshape({-1}));
  EXPECT_GT((torch::cat(parts) - one).abs().max().item<double>(), 1e-3);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rlloss::train
