// Bad tensors given to a shipped plugin's compute through the C ABI: each is refused with a status
// and a message naming the tensor and the problem, and no output byte changes (the outputs are
// prefilled with a sentinel, one spare element past each included).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "hand_call.hpp"
#include "plugin_under_test.hpp"

namespace rlloss::test {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr int64_t kRows = 2;
constexpr int64_t kCols = 3;

class BadTensor : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    plugin_ = std::make_unique<PluginUnderTest>(GetParam());
    hand_ = std::make_unique<HandCall>(kRows, kCols, plugin_->table().num_metrics);
    call_ = hand_->call();
    before_ = hand_->output_bytes();
  }

  // Computes `call_` and checks it was refused with `status`, every part of the message, and no
  // change to any output byte.
  void ExpectRefused(rlloss_status status, const std::vector<std::string>& parts) {
    const ComputeResult result = plugin_->compute(&call_);
    EXPECT_EQ(result.status, status) << result.message;
    for (const std::string& part : parts) EXPECT_THAT(result.message, HasSubstr(part));
    EXPECT_TRUE(hand_->output_bytes() == before_) << "a refused call wrote to an output";
  }
  void ExpectInvalid(const std::vector<std::string>& parts) {
    ExpectRefused(RLLOSS_ERROR_INVALID_ARGUMENT, parts);
  }

  HandCall& hand() { return *hand_; }

  std::unique_ptr<PluginUnderTest> plugin_;
  std::unique_ptr<HandCall> hand_;
  rlloss_compute_call call_{};
  std::vector<unsigned char> before_;
};

// The batch as built is valid: the cases below differ from it in one thing each.
TEST_P(BadTensor, TheUnmodifiedCallSucceeds) {
  const ComputeResult result = plugin_->compute(&call_);
  ASSERT_EQ(result.status, RLLOSS_OK) << result.message;
  EXPECT_NE(hand_->output_bytes(), before_);
}

TEST_P(BadTensor, LogProbOfRankOne) {
  hand().log_prob.shape = {kRows * kCols};
  hand().log_prob.refresh();
  ExpectInvalid({"log_prob must have rank 2", "got rank 1"});
}

TEST_P(BadTensor, OldLogProbOfRankThree) {
  hand().old_log_prob.shape = {kRows, kCols, 1};
  hand().old_log_prob.refresh();
  ExpectInvalid({"old_log_prob must have rank 2", "got rank 3"});
}

TEST_P(BadTensor, LogProbWithoutShape) {
  hand().log_prob.dl.shape = nullptr;
  ExpectInvalid({"log_prob has rank 2 but a NULL shape"});
}

TEST_P(BadTensor, AdvantagesWithoutShape) {
  hand().advantages.dl.shape = nullptr;
  ExpectInvalid({"advantages has no shape"});
}

TEST_P(BadTensor, LogProbWithANegativeDimension) {
  hand().log_prob.shape = {-1, kCols};
  hand().log_prob.refresh();
  ExpectInvalid({"log_prob has shape [-1, 3]; a dimension cannot be negative"});
}

// Shapes smaller than log_prob's, so a plugin that trusted them would read past the buffer.
void shrink(HandTensor& t) {
  t.shape = {kRows, kCols - 1};
  t.refresh();
}

TEST_P(BadTensor, OldLogProbOfAnotherShape) {
  shrink(hand().old_log_prob);
  ExpectInvalid({"old_log_prob has shape [2, 2], expected [2, 3]"});
}

TEST_P(BadTensor, AdvantagesOfAnotherShape) {
  hand().advantages.shape = {kCols, kRows};
  hand().advantages.refresh();
  ExpectInvalid({"advantages has shape [3, 2], expected [2, 3]"});
}

TEST_P(BadTensor, ResponseMaskOfAnotherShape) {
  shrink(hand().response_mask);
  ExpectInvalid({"response_mask has shape [2, 2], expected [2, 3]"});
}

TEST_P(BadTensor, RolloutWeightsOfAnotherShape) {
  shrink(hand().weights);
  ExpectInvalid({"rollout_is_weights has shape [2, 2], expected [2, 3]"});
}

TEST_P(BadTensor, RolloutWeightsOfRankOne) {
  hand().weights.shape = {kRows};
  hand().weights.refresh();
  ExpectInvalid({"rollout_is_weights must have rank 2"});
}

TEST_P(BadTensor, GradOutputOfAnotherShape) {
  hand().grad.shape = {kRows, kCols + 1};
  hand().grad.refresh();
  ExpectInvalid({"grad_log_prob has shape [2, 4], expected [2, 3]"});
}

TEST_P(BadTensor, Int32LogProb) {
  for (HandTensor* t : {&hand().log_prob, &hand().old_log_prob, &hand().advantages}) {
    t->dl.dtype = kInt32;
  }
  ExpectInvalid({"log_prob has unsupported dtype int32"});
}

TEST_P(BadTensor, Float16InputsOnTheCpu) {
  for (HandTensor* t : {&hand().log_prob, &hand().old_log_prob, &hand().advantages, &hand().weights,
                        &hand().grad}) {
    t->dl.dtype = kFloat16;  // the buffers are twice as large as needed: reads stay in bounds
  }
  ExpectRefused(RLLOSS_ERROR_UNSUPPORTED,
                {"log_prob has dtype float16", "cpu the inputs must be float32 or float64"});
}

TEST_P(BadTensor, VectorLanes) {
  hand().advantages.dl.dtype = DLDataType{kDLFloat, 32, 2};
  ExpectInvalid({"advantages has unsupported dtype float32x2"});
}

TEST_P(BadTensor, OldLogProbOfAnotherFloatDtype) {
  hand().old_log_prob.bytes.resize(hand().old_log_prob.bytes.size() * 2);
  hand().old_log_prob.dl.dtype = kFloat64;
  hand().old_log_prob.refresh();
  ExpectInvalid({"old_log_prob has dtype float64 but log_prob has float32"});
}

TEST_P(BadTensor, RolloutWeightsOfAnotherFloatDtype) {
  hand().weights.bytes.resize(hand().weights.bytes.size() * 2);
  hand().weights.dl.dtype = kFloat64;
  hand().weights.refresh();
  ExpectInvalid({"rollout_is_weights has dtype float64 but log_prob has float32"});
}

TEST_P(BadTensor, Int32ResponseMask) {
  hand().response_mask.bytes.resize(hand().response_mask.bytes.size() * 4);
  hand().response_mask.dl.dtype = kInt32;
  hand().response_mask.refresh();
  ExpectInvalid({"response_mask has unsupported dtype int32"});
}

TEST_P(BadTensor, FloatMaskHoldingAHalf) {
  HandTensor& mask = hand().response_mask;
  fill_tensor(mask, std::vector<float>{1, 1, 1, 1, 0.5f, 0}, {kRows, kCols}, kFloat32);
  ExpectInvalid({"response_mask holds 0.5 at [1, 1]"});
}

// An integer mask holding 2 is refused like a floating one, and the message names no dtype.
TEST_P(BadTensor, ByteMasksHoldingTwo) {
  for (const DLDataType dtype : {kUInt8, DLDataType{RLLOSS_DL_BOOL, 8, 1}}) {
    fill_tensor(hand().response_mask, std::vector<uint8_t>{1, 1, 1, 1, 2, 0}, {kRows, kCols},
                dtype);
    const ComputeResult result = plugin_->compute(&call_);
    EXPECT_EQ(result.status, RLLOSS_ERROR_INVALID_ARGUMENT);
    EXPECT_THAT(result.message,
                HasSubstr("response_mask holds 2 at [1, 1]; a mask must hold only 0 and 1"));
    EXPECT_THAT(result.message, ::testing::Not(HasSubstr("floating")));
  }
}

TEST_P(BadTensor, GradOutputOfAnotherDtype) {
  hand().grad.dl.dtype = kFloat64;  // the buffer is too small for float64: must not be written
  ExpectInvalid({"grad_log_prob has dtype float64 but must have log_prob's dtype float32"});
}

TEST_P(BadTensor, NullLogProbData) {
  hand().log_prob.dl.data = nullptr;
  ExpectInvalid({"log_prob has NULL data but 6 elements"});
}

// The element count of a huge shape does not fit in int64_t: still a clear refusal (no overflow).
TEST_P(BadTensor, NullDataWithAShapeWhoseSizeOverflows) {
  for (HandTensor* t : {&hand().log_prob, &hand().old_log_prob, &hand().advantages,
                        &hand().response_mask, &hand().weights, &hand().grad}) {
    t->shape = {int64_t{1} << 62, 4};
    t->dl.data = nullptr;
    t->refresh();
  }
  ExpectInvalid({"log_prob has shape [4611686018427387904, 4]: more than 2^63 elements"});
}

// An impossible shape is the caller's error (INVALID_ARGUMENT), not an allocation failure inside
// the plugin (INTERNAL), even with data behind log_prob.
TEST_P(BadTensor, ShapeWhoseSizeOverflowsWithData) {
  hand().log_prob.shape = {int64_t{1} << 40, int64_t{1} << 40};
  hand().log_prob.refresh();
  ExpectInvalid({"log_prob has shape [1099511627776, 1099511627776]: more than 2^63 elements"});
}

TEST_P(BadTensor, NullMaskData) {
  hand().response_mask.dl.data = nullptr;
  ExpectInvalid({"response_mask has NULL data but 6 elements"});
}

TEST_P(BadTensor, NullGradData) {
  hand().grad.dl.data = nullptr;
  ExpectInvalid({"grad_log_prob has NULL data but 6 elements"});
}

TEST_P(BadTensor, NullLossData) {
  hand().loss.dl.data = nullptr;
  ExpectInvalid({"loss has NULL data"});
}

TEST_P(BadTensor, NullOldLogProbTensor) {
  call_.old_log_prob = nullptr;
  ExpectInvalid({"old_log_prob is NULL"});
}

TEST_P(BadTensor, NullGradTensor) {
  call_.grad_log_prob = nullptr;
  ExpectInvalid({"grad_log_prob is NULL"});
}

TEST_P(BadTensor, NegativeStridesOnAdvantages) {
  hand().advantages.strides = {-kCols, 1};
  hand().advantages.refresh();
  ExpectInvalid({"advantages has negative strides [-3, 1]"});
}

TEST_P(BadTensor, NegativeStridesOnGrad) {
  hand().grad.strides = {kCols, -1};
  hand().grad.refresh();
  ExpectInvalid({"grad_log_prob has negative strides [3, -1]"});
}

// Broadcast strides are legal for inputs (read only) but an output needs one address per element.
TEST_P(BadTensor, OverlappingGradStridesZeroOne) {
  hand().grad.strides = {0, 1};
  hand().grad.refresh();
  ExpectInvalid({"grad_log_prob has overlapping strides [0, 1]", "one address per element"});
}

TEST_P(BadTensor, OverlappingGradStridesOneOne) {
  hand().grad.strides = {1, 1};
  hand().grad.refresh();
  ExpectInvalid({"grad_log_prob has overlapping strides [1, 1]"});
}

TEST_P(BadTensor, AdvantagesOnAnotherDevice) {
  hand().advantages.dl.device = {kDLCUDA, 0};
  ExpectInvalid({"advantages is on cuda:0 but log_prob is on cpu", "share one device"});
}

TEST_P(BadTensor, GradOnAnotherDevice) {
  hand().grad.dl.device = {kDLCUDA, 1};
  ExpectInvalid({"grad_log_prob is on cuda:1 but log_prob is on cpu"});
}

TEST_P(BadTensor, LossOnAnotherDevice) {
  hand().loss.dl.device = {kDLCUDA, 0};
  ExpectInvalid({"loss is on cuda:0 but log_prob is on cpu"});
}

TEST_P(BadTensor, EveryTensorOnADeviceThePluginDoesNotServe) {
  for (HandTensor* t :
       {&hand().log_prob, &hand().old_log_prob, &hand().advantages, &hand().response_mask,
        &hand().weights, &hand().grad, &hand().loss, &hand().metrics}) {
    t->dl.device = {kDLVulkan, 0};
  }
  ExpectRefused(RLLOSS_ERROR_UNSUPPORTED, {"cannot compute on device type 7"});
}

TEST_P(BadTensor, LossOfShapeTwo) {
  hand().loss.shape = {2};
  hand().loss.refresh();
  ExpectInvalid({"loss must have shape [1] or be 0-d"});
}

TEST_P(BadTensor, LossOfRankTwo) {
  hand().loss.shape = {1, 1};
  hand().loss.refresh();
  ExpectInvalid({"loss must have shape [1] or be 0-d"});
}

TEST_P(BadTensor, Int32Loss) {
  hand().loss.dl.dtype = kInt32;
  ExpectInvalid({"loss must be float32 or float64, got int32"});
}

TEST_P(BadTensor, MetricsOfTheWrongLength) {
  const int64_t expected = plugin_->table().num_metrics;
  hand().metrics.shape = {expected + 1};
  hand().metrics.refresh();
  ExpectInvalid({"metrics must have shape [" + std::to_string(expected) + "]"});
}

TEST_P(BadTensor, MetricsOfStrideZero) {
  hand().metrics.strides = {0};
  hand().metrics.refresh();
  ExpectInvalid({"metrics must have a positive stride"});
}

TEST_P(BadTensor, Float16Metrics) {
  hand().metrics.dl.dtype = kFloat16;
  ExpectInvalid({"metrics must be float32 or float64, got float16"});
}

TEST_P(BadTensor, CallStructSizeTooSmall) {
  call_.struct_size = 8;
  ExpectInvalid({"call.struct_size 8 is smaller than the first ABI version's"});
}

TEST_P(BadTensor, NullCall) {
  const ComputeResult result = plugin_->compute(nullptr);
  EXPECT_EQ(result.status, RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(result.message, HasSubstr("call is NULL"));
  EXPECT_TRUE(hand_->output_bytes() == before_);
}

TEST_P(BadTensor, NullInstance) {
  const ComputeResult result = plugin_->compute_on(nullptr, &call_);
  EXPECT_EQ(result.status, RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_THAT(result.message, HasSubstr("instance is NULL"));
  EXPECT_TRUE(hand_->output_bytes() == before_);
}

TEST_P(BadTensor, DpSizeZero) {
  call_.dp_size = 0;
  ExpectInvalid({"dp_size must be >= 1, got 0"});
}

TEST_P(BadTensor, NegativeGlobalTokenCount) {
  call_.global_token_count = -2;
  ExpectInvalid({"global counts must be >= 0, or -1 for 'not given'"});
}

// The error buffer may be absent or tiny: the plugin still refuses, and never overruns it.
TEST_P(BadTensor, TinyErrorBufferIsTruncatedNotOverrun) {
  call_.dp_size = 0;
  char text[6] = {'x', 'x', 'x', 'x', 'x', 'x'};
  rlloss_error_buffer error{sizeof(rlloss_error_buffer), text, 4};
  EXPECT_EQ(plugin_->table().compute(plugin_->instance(), &call_, &error),
            RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(text, 6), std::string("dp_\0xx", 6));
  EXPECT_EQ(plugin_->table().compute(plugin_->instance(), &call_, nullptr),
            RLLOSS_ERROR_INVALID_ARGUMENT);
  EXPECT_TRUE(hand_->output_bytes() == before_);
}

// B or T of zero is accepted on purpose (a data-parallel rank may get no sequences, and an empty
// batch must work on the GPU too): the loss is 0, and nothing is written out of bounds.
struct EmptyCase {
  const char* label;
  const char* file;
  int64_t rows;
  int64_t cols;
};

class EmptyBatch : public ::testing::TestWithParam<EmptyCase> {};

template <class T>
T element(const HandTensor& t, size_t i) {
  T value{};
  std::memcpy(&value, t.bytes.data() + i * sizeof(T), sizeof(T));
  return value;
}

TEST_P(EmptyBatch, GivesLossZeroAndWritesNothingOutOfBounds) {
  const EmptyCase& c = GetParam();
  PluginUnderTest plugin(c.file);
  HandCall hand(c.rows, c.cols, plugin.table().num_metrics);
  rlloss_compute_call call = hand.call();
  const ComputeResult result = plugin.compute(&call);
  ASSERT_EQ(result.status, RLLOSS_OK) << result.message;
  EXPECT_EQ(element<float>(hand.loss, 0), 0.0f);
  EXPECT_EQ(element<float>(hand.loss, 1), kSentinel);
  ASSERT_EQ(hand.grad.bytes.size(), sizeof(float));  // zero elements plus the spare one
  EXPECT_EQ(element<float>(hand.grad, 0), kSentinel);
  EXPECT_EQ(element<double>(hand.metrics, plugin.table().num_metrics), double{kSentinel});
}

// A gradient with no element has no address to share: numpy's strides (0, 0) for a [0, T] array
// are accepted.
TEST_P(EmptyBatch, AcceptsAGradientOfAnyStrides) {
  const EmptyCase& c = GetParam();
  PluginUnderTest plugin(c.file);
  HandCall hand(c.rows, c.cols, plugin.table().num_metrics);
  hand.grad.strides = {0, 0};
  hand.grad.refresh();
  rlloss_compute_call call = hand.call();
  const ComputeResult result = plugin.compute(&call);
  ASSERT_EQ(result.status, RLLOSS_OK) << result.message;
  EXPECT_EQ(element<float>(hand.loss, 0), 0.0f);
}

const EmptyCase kEmptyCases[] = {
    {"sapo_B0_T3", RLLOSS_TEST_SAPO_PLUGIN, 0, 3},
    {"sapo_B2_T0", RLLOSS_TEST_SAPO_PLUGIN, 2, 0},
    {"sapo_B0_T0", RLLOSS_TEST_SAPO_PLUGIN, 0, 0},
    {"ppo_clip_B0_T3", RLLOSS_TEST_PPO_CLIP_PLUGIN, 0, 3},
    {"ppo_clip_B2_T0", RLLOSS_TEST_PPO_CLIP_PLUGIN, 2, 0},
};

INSTANTIATE_TEST_SUITE_P(ShippedPlugins, EmptyBatch, ::testing::ValuesIn(kEmptyCases),
                         [](const ::testing::TestParamInfo<EmptyCase>& info) {
                           return std::string(info.param.label);
                         });

INSTANTIATE_TEST_SUITE_P(ShippedPlugins, BadTensor,
                         ::testing::Values(RLLOSS_TEST_SAPO_PLUGIN, RLLOSS_TEST_PPO_CLIP_PLUGIN),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.index == 0 ? "sapo" : "ppo_clip");
                         });

}  // namespace
}  // namespace rlloss::test
