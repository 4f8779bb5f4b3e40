// Runs in CI (no GPU, no driver): a plugin built with the static CUDA runtime loads, serves CPU
// tensors, and answers a CUDA tensor with a clear "no CUDA device" error instead of crashing.
#include <cuda_runtime.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <rlloss/registry.hpp>
#include <rlloss/torch_loss.hpp>
#include <vector>

namespace rlloss {
namespace {

class CudaBuildWithoutDevice : public ::testing::Test {
 protected:
  void SetUp() override { registry_.load_directory(RLLOSS_TEST_PLUGIN_DIR); }
  Registry registry_;
};

TEST_F(CudaBuildWithoutDevice, PluginsDeclareCudaAndStillServeCpu) {
  for (const std::string name : {"sapo", "ppo_clip"}) {
    const auto plugin = registry_.get(name);
    EXPECT_THAT(plugin->device_names(), ::testing::ElementsAre("cpu", "cuda")) << name;
    const auto loss = registry_.create_default(name);
    LossInputs in;
    in.log_prob = torch::full({2, 3}, -1.0, torch::kFloat64).requires_grad_(true);
    in.old_log_prob = torch::full({2, 3}, -1.0, torch::kFloat64);
    in.advantages = torch::ones({2, 3}, torch::kFloat64);
    in.response_mask = torch::ones({2, 3}, torch::kBool);
    const LossOutput out = compute_loss(*loss, in);
    out.loss.backward();
    // On-policy, token-mean: both losses' gradient is -A / N_tok.
    EXPECT_TRUE(torch::allclose(in.log_prob.grad(), torch::full({2, 3}, -1.0 / 6, torch::kFloat64)))
        << name;
  }
}

TEST_F(CudaBuildWithoutDevice, CudaTensorsGetAClearErrorWhenNoDeviceExists) {
  int count = 0;
  if (cudaGetDeviceCount(&count) == cudaSuccess && count > 0) {
    GTEST_SKIP() << "a CUDA device is present; the GPU suite covers this machine";
  }
  const auto loss = registry_.create_default("sapo");
  std::vector<float> host(6, 0.0f);
  int64_t shape[2] = {2, 3};
  int64_t scalar_shape[1] = {1};
  DLTensor input{host.data(), {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, nullptr, 0};
  DLTensor mask{host.data(), {kDLCUDA, 0}, 2, {kDLUInt, 8, 1}, shape, nullptr, 0};
  DLTensor out_loss{host.data(), {kDLCUDA, 0}, 1, {kDLFloat, 32, 1}, scalar_shape, nullptr, 0};
  DLTensor out_grad{host.data(), {kDLCUDA, 0}, 2, {kDLFloat, 32, 1}, shape, nullptr, 0};
  rlloss_compute_call call{};
  call.struct_size = sizeof call;
  call.log_prob = &input;
  call.old_log_prob = &input;
  call.advantages = &input;
  call.response_mask = &mask;
  call.global_token_count = -1;
  call.global_seq_count = -1;
  call.dp_size = 1;
  call.loss = &out_loss;
  call.grad_log_prob = &out_grad;
  try {
    loss->compute(call);
    FAIL() << "a CUDA call without a device succeeded";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no CUDA device available"));
  }
  EXPECT_EQ(host, std::vector<float>(6, 0.0f)) << "nothing may be written on failure";
}

}  // namespace
}  // namespace rlloss
