// A compute call through Loss::compute on the toy plugin (l = -scale * A * exp(lp - old_lp)),
// checked against the formula evaluated here in double, token by token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

#include "host_tensor.hpp"
#include "registry_error.hpp"
#include "resolved_args.hpp"
#include "zoo.hpp"

namespace rlloss::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int64_t kRows = 2;
constexpr int64_t kCols = 3;

// A ragged batch: row 0 has two tokens, row 1 one.
struct ToyBatch {
  HostTensor<float> log_prob{{-1.0f, -0.5f, -2.0f, -0.3f, -0.7f, -1.1f}, {kRows, kCols}};
  HostTensor<float> old_log_prob{{-1.2f, -0.5f, -1.0f, -0.1f, -0.9f, -1.1f}, {kRows, kCols}};
  HostTensor<float> advantages{{1.0f, -2.0f, 0.5f, 0.25f, 3.0f, -1.0f}, {kRows, kCols}};
  HostTensor<uint8_t> mask{{1, 1, 0, 1, 0, 0}, {kRows, kCols}};
  HostTensor<float> grad{std::vector<float>(kRows * kCols, 99.0f), {kRows, kCols}};
  HostTensor<float> loss{{0.0f}, {1}};
  HostTensor<double> metrics{{0.0}, {1}};

  rlloss_compute_call call() {
    rlloss_compute_call c{};
    c.struct_size = sizeof(rlloss_compute_call);
    c.log_prob = log_prob.dl();
    c.old_log_prob = old_log_prob.dl();
    c.advantages = advantages.dl();
    c.response_mask = mask.dl();
    c.global_token_count = -1;
    c.global_seq_count = -1;
    c.dp_size = 1;
    c.loss = loss.dl();
    c.grad_log_prob = grad.dl();
    c.metrics = metrics.dl();
    return c;
  }

  // Per-token loss of the toy formula in double.
  double token_loss(size_t i, double scale) const {
    const double ratio = std::exp(static_cast<double>(log_prob.values()[i]) -
                                  static_cast<double>(old_log_prob.values()[i]));
    return -scale * advantages.values()[i] * ratio;
  }
  double ratio(size_t i) const {
    return std::exp(static_cast<double>(log_prob.values()[i]) - old_log_prob.values()[i]);
  }
};

constexpr size_t kMasked[] = {0, 1, 3};
constexpr size_t kUnmasked[] = {2, 4, 5};
constexpr double kTolerance = 1e-6;

std::shared_ptr<Loss> toy_loss(const Registry& registry, double scale, const std::string& agg) {
  return registry.create(
      "toy", resolve_args(*registry.get("toy"), {{"scale", scale}}, {{"loss_agg_mode", agg}}));
}

TEST(ToyCompute, TokenMeanDefaultsMatchTheFormula) {
  Registry registry;
  registry.load_directory(zoo_dir("toy"));
  const auto loss = registry.create_default("toy");
  ToyBatch batch;
  loss->compute(batch.call());

  double sum = 0;
  double ratio_sum = 0;
  for (const size_t i : kMasked) {
    sum += batch.token_loss(i, 1.0);
    ratio_sum += batch.ratio(i);
    EXPECT_NEAR(batch.grad.values()[i], batch.token_loss(i, 1.0) / 3.0, kTolerance) << i;
  }
  for (const size_t i : kUnmasked) EXPECT_EQ(batch.grad.values()[i], 0.0f) << i;
  EXPECT_NEAR(batch.loss.values()[0], sum / 3.0, kTolerance);
  EXPECT_NEAR(batch.metrics.values()[0], ratio_sum / 3.0, kTolerance);
}

TEST(ToyCompute, ArgumentsGivenByTheHostReachThePlugin) {
  Registry registry;
  registry.load_directory(zoo_dir("toy"));
  const auto loss = toy_loss(registry, 2.0, "token-sum");
  EXPECT_EQ(loss->args().string("loss_agg_mode"), "token-sum");
  ToyBatch batch;
  loss->compute(batch.call());

  double sum = 0;
  for (const size_t i : kMasked) {
    sum += batch.token_loss(i, 2.0);
    EXPECT_NEAR(batch.grad.values()[i], batch.token_loss(i, 2.0), kTolerance) << i;
  }
  EXPECT_NEAR(batch.loss.values()[0], sum, kTolerance);
}

TEST(ToyCompute, LossOutlivesTheRegistryThatCreatedIt) {
  std::shared_ptr<Loss> loss;
  {
    Registry registry;
    registry.load_directory(zoo_dir("toy"));
    loss = registry.create_default("toy");
  }
  EXPECT_EQ(loss->name(), "toy");
  EXPECT_EQ(loss->plugin().path(), toy_plugin_file());
  ToyBatch batch;
  loss->compute(batch.call());
  double sum = 0;
  for (const size_t i : kMasked) sum += batch.token_loss(i, 1.0);
  EXPECT_NEAR(batch.loss.values()[0], sum / 3.0, kTolerance);
}

TEST(ToyCompute, FailedCallCarriesThePluginsMessage) {
  Registry registry;
  registry.load_directory(zoo_dir("toy"));
  const auto loss = registry.create_default("toy");
  ToyBatch batch;
  HostTensor<float> short_advantages{{1.0f, 2.0f, 3.0f, 4.0f}, {2, 2}};
  rlloss_compute_call call = batch.call();
  call.advantages = short_advantages.dl();
  EXPECT_THAT(registry_error([&] { loss->compute(call); }),
              AllOf(HasSubstr("plugin 'toy'"), HasSubstr("advantages has shape [2, 2]"),
                    HasSubstr("expected [2, 3]")));
  EXPECT_EQ(batch.loss.values()[0], 0.0f) << "a failed call wrote its loss output";
}

}  // namespace
}  // namespace rlloss::test
