// Bad tensors are refused with a message naming the tensor and the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "loss_test_support.hpp"

namespace rlloss::test {
namespace {

using ::testing::HasSubstr;

class BadInput : public ::testing::TestWithParam<std::string> {
 protected:
  std::string error_for(const LossInputs& inputs) const {
    const auto loss = make_loss(GetParam());
    return error_message([&] { run_plugin(*loss, inputs); });
  }
  LossInputs good() const { return random_batch(BatchSpec{}); }  // [4, 16] float64
};

TEST_P(BadInput, RankOneLogProb) {
  LossInputs inputs = good();
  inputs.log_prob = inputs.log_prob.reshape({-1});
  EXPECT_THAT(error_for(inputs), HasSubstr("log_prob must have rank 2 [B, T], got rank 1"));
}

TEST_P(BadInput, RankThreeMask) {
  LossInputs inputs = good();
  inputs.response_mask = inputs.response_mask.unsqueeze(0);
  EXPECT_THAT(error_for(inputs), HasSubstr("response_mask must have rank 2 [B, T], got rank 3"));
}

TEST_P(BadInput, ShapeMismatch) {
  LossInputs inputs = good();
  inputs.old_log_prob = inputs.old_log_prob.slice(1, 0, 15);
  EXPECT_THAT(error_for(inputs),
              HasSubstr("old_log_prob has shape [4, 15], expected [4, 16] like log_prob"));
}

TEST_P(BadInput, DtypeMismatchBetweenLogProbAndOldLogProb) {
  LossInputs inputs = good();
  inputs.old_log_prob = inputs.old_log_prob.to(torch::kFloat32);
  EXPECT_THAT(error_for(inputs),
              HasSubstr("old_log_prob has dtype float32 but log_prob has float64"));
}

TEST_P(BadInput, DtypeMismatchOfWeights) {
  LossInputs inputs = good();
  inputs.rollout_is_weights = torch::ones({4, 16}, torch::TensorOptions().dtype(torch::kFloat32));
  EXPECT_THAT(error_for(inputs),
              HasSubstr("rollout_is_weights has dtype float32 but log_prob has float64"));
}

TEST_P(BadInput, IntegerLogProb) {
  LossInputs inputs = good();
  inputs.log_prob = inputs.log_prob.to(torch::kInt32);
  EXPECT_THAT(error_for(inputs), HasSubstr("log_prob has unsupported dtype int32"));
}

TEST_P(BadInput, HalfPrecisionOnCpu) {
  LossInputs inputs = good();
  inputs.log_prob = inputs.log_prob.to(torch::kFloat16);
  inputs.old_log_prob = inputs.old_log_prob.to(torch::kFloat16);
  inputs.advantages = inputs.advantages.to(torch::kFloat16);
  EXPECT_THAT(
      error_for(inputs),
      HasSubstr("log_prob has dtype float16; on cpu the inputs must be float32 or float64"));
}

TEST_P(BadInput, FloatMaskWithAHalf) {
  LossInputs inputs = good();
  inputs.response_mask = inputs.response_mask.to(torch::kFloat32);
  inputs.response_mask[2][1] = 0.5;
  EXPECT_THAT(error_for(inputs),
              HasSubstr("response_mask holds 0.5 at [2, 1]; a mask must hold only 0 and 1"));
}

// Contiguous byte masks are summed 16 bytes at a time: a bad byte is found in the 16-byte blocks
// and in the tail after them, whatever its bits (3 has the low bit of a 1 set, 255 every bit).
TEST_P(BadInput, ByteMaskHoldingANonBinaryValueInALongRow) {
  struct Case {
    int64_t row, col;
    int value;
  };
  for (const Case bad : {Case{1, 5, 2}, Case{2, 37, 3}, Case{0, 16, 255}, Case{2, 39, 2}}) {
    for (const torch::Dtype dtype : {torch::kUInt8, torch::kBool}) {
      BatchSpec spec;
      spec.rows = 3;
      spec.cols = 40;
      LossInputs inputs = random_batch(spec);
      inputs.response_mask = torch::ones({3, 40}, torch::TensorOptions().dtype(torch::kUInt8));
      inputs.response_mask[bad.row][bad.col] = bad.value;
      // A bool tensor holding a byte other than 0 or 1 comes from a reinterpreting view.
      if (dtype == torch::kBool) inputs.response_mask = inputs.response_mask.view(torch::kBool);
      SCOPED_TRACE(::testing::Message() << "dtype " << dtype << " value " << bad.value);
      EXPECT_THAT(error_for(inputs),
                  HasSubstr("response_mask holds " + std::to_string(bad.value) + " at [" +
                            std::to_string(bad.row) + ", " + std::to_string(bad.col) +
                            "]; a mask must hold only 0 and 1"));
    }
  }
}

TEST_P(BadInput, IntegerMask) {
  LossInputs inputs = good();
  inputs.response_mask = inputs.response_mask.to(torch::kInt64);
  EXPECT_THAT(error_for(inputs), HasSubstr("response_mask has unsupported dtype int64"));
}

TEST_P(BadInput, UndefinedTensorInTheBinding) {
  LossInputs inputs = good();
  inputs.advantages = torch::Tensor();
  EXPECT_THAT(error_for(inputs), HasSubstr("input 'advantages' is an undefined tensor"));
}

// A NULL data pointer cannot come from a torch tensor; build the call by hand.
TEST_P(BadInput, NullData) {
  const auto loss = make_loss(GetParam());
  const LossInputs inputs = good();
  const torch::Tensor loss_value = torch::zeros({}, torch::kFloat64);
  const torch::Tensor grad = torch::empty_like(inputs.log_prob);
  DLTensor log_prob = dlpack_view(inputs.log_prob);
  DLTensor old_log_prob = dlpack_view(inputs.old_log_prob);
  DLTensor advantages = dlpack_view(inputs.advantages);
  DLTensor mask = dlpack_view(inputs.response_mask);
  DLTensor loss_view = dlpack_view(loss_value);
  DLTensor grad_view = dlpack_view(grad);
  old_log_prob.data = nullptr;
  rlloss_compute_call call{};
  call.struct_size = sizeof call;
  call.log_prob = &log_prob;
  call.old_log_prob = &old_log_prob;
  call.advantages = &advantages;
  call.response_mask = &mask;
  call.global_token_count = -1;
  call.global_seq_count = -1;
  call.dp_size = 1;
  call.loss = &loss_view;
  call.grad_log_prob = &grad_view;
  const std::string message = error_message([&] { loss->compute(call); });
  EXPECT_THAT(message, HasSubstr("old_log_prob has NULL data but 64 elements"));
  EXPECT_THAT(message, HasSubstr("plugin '" + GetParam() + "' compute failed"));
}

INSTANTIATE_TEST_SUITE_P(BothPlugins, BadInput, ::testing::ValuesIn(kLossModes));

// verl gives dro_beta no default and refuses DRO without it: so does the plugin's own create(),
// and so does the host before it gets there.
TEST(RequiredArgument, DroIsNotCreatedWithoutDroBeta) {
  const rlloss_plugin& table = plugin_registry().get("dro")->table();
  char text[512] = "";
  rlloss_error_buffer error{sizeof(rlloss_error_buffer), text, sizeof text};
  int sentinel = 0;  // create() must reset `out` to NULL on failure
  rlloss_instance* instance = reinterpret_cast<rlloss_instance*>(&sentinel);
  EXPECT_NE(table.create(nullptr, 0, &instance, &error), RLLOSS_OK);
  EXPECT_EQ(instance, nullptr);
  EXPECT_THAT(std::string(text),
              HasSubstr("argument 'dro_beta' has no default and must be set; allowed: a float in "
                        "(0, inf)"));
  EXPECT_THAT(error_message([] { plugin_registry().default_args("dro"); }),
              HasSubstr("loss 'dro': argument 'dro_beta' has no default and must be set"));
  EXPECT_THAT(error_message([] {
                make_loss("dro", {{"dro_beta", "0"}});
              }),
              HasSubstr("argument 'dro_beta' = 0: out of range; allowed: a float in (0, inf)"));
}

}  // namespace
}  // namespace rlloss::test
