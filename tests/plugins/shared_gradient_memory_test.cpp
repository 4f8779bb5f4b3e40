// A gradient that shares memory with an input: written over log_prob itself, or one element
// ahead of it in the same buffer. The kit's CPU pass reads every input before it writes a
// gradient over it (it computes into a buffer of its own when the spans overlap), so each gives,
// bit for bit, the gradient of the same call with a separate output. A pass that writes as it
// reads (the kit's before this test: its loops fell back to scalar order on overlap) reads
// gradients where it expects log-probabilities and fails the shifted case for three of the four
// losses (gspo's gradient does not read log_prob in the token pass).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <rlloss/compute_call.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>
#include <utility>

#include "loss_test_support.hpp"

namespace rlloss::test {
namespace {

struct CallResult {
  double loss = 0;
  torch::Tensor grad;
};

// One call through the C ABI with `grad` as the output; every other tensor separate.
CallResult call_with_grad(const Loss& loss, const LossInputs& in, const torch::Tensor& log_prob,
                          torch::Tensor grad) {
  auto loss_value = torch::zeros({}, log_prob.options());
  auto metrics =
      torch::zeros({static_cast<int64_t>(loss.metric_names().size())}, log_prob.options());
  TorchCallTensors call;
  call.log_prob = log_prob;
  call.old_log_prob = in.old_log_prob;
  call.advantages = in.advantages;
  call.response_mask = in.response_mask;
  call.loss = loss_value;
  call.grad_log_prob = grad;
  call.metrics = metrics;
  const TorchCallViews views(std::move(call));
  loss.compute(make_compute_call(views.tensors(), {}, 1));
  return {loss_value.item<double>(), grad.clone()};
}

class SharedGradientMemory : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedGradientMemory, InPlaceAndShiftedGradientsEqualASeparateOne) {
  for (const auto dtype : {torch::kFloat64, torch::kFloat32}) {
    BatchSpec spec;
    spec.rows = 5;
    spec.cols = 301;  // whole 16-token groups, a partial one and a partial 256-token block
    spec.dtype = dtype;
    spec.seed = 11;
    const LossInputs in = random_batch(spec);
    const auto loss = make_loss(GetParam());
    const torch::Tensor log_prob = in.log_prob.detach().contiguous();
    const CallResult separate = call_with_grad(*loss, in, log_prob, torch::empty_like(log_prob));

    // Written over log_prob itself.
    const torch::Tensor in_place = log_prob.clone();
    const CallResult over_input = call_with_grad(*loss, in, in_place, in_place);
    EXPECT_EQ(over_input.loss, separate.loss) << GetParam() << " in place";
    EXPECT_TRUE(torch::equal(over_input.grad, separate.grad)) << GetParam() << " in place";

    // One element ahead of log_prob in one buffer: grad[b, t] is log_prob[b, t + 1]'s slot, so a
    // pass that writes as it reads overwrites each log-probability before it reads it.
    const int64_t count = spec.rows * spec.cols;
    torch::Tensor buffer = torch::empty({count + 1}, log_prob.options());
    buffer.slice(0, 0, count).copy_(log_prob.reshape({count}));
    const torch::Tensor shifted_log_prob = buffer.slice(0, 0, count).view({spec.rows, spec.cols});
    const torch::Tensor shifted_grad = buffer.slice(0, 1, count + 1).view({spec.rows, spec.cols});
    const CallResult shifted = call_with_grad(*loss, in, shifted_log_prob, shifted_grad);
    EXPECT_EQ(shifted.loss, separate.loss) << GetParam() << " shifted";
    EXPECT_TRUE(torch::equal(shifted.grad, separate.grad)) << GetParam() << " shifted";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryLoss, SharedGradientMemory, ::testing::ValuesIn(kLossModes));

}  // namespace
}  // namespace rlloss::test
