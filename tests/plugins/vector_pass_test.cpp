// The kit's two CPU token loops compute the same call: the vector loop (kit/cpu_vector_segment.hpp,
// contiguous rows on the AVX2 and AVX-512 kernels) and the staged loop (cpu_fused_pass.hpp, any
// strides, and every call on the generic kernel). A call on contiguous tensors and the same call
// on strided views of the same values must agree: loss, gradient and every metric, to rounding.
// Both loops run the same operations, but the staged loop sums token j into lane j % 16 and the
// vector loop into lane j % (one register's lanes), so they agree to rounding, not bit for bit.
// The shapes put whole and partial steps (8 to 32 tokens) at row ends and chunk boundaries (the
// vector loop copies a row's last tokens into padded buffers), and masked slots hold NaN and inf,
// which neither loop may read into a result. Large calls, whose gradient the vector loop streams
// past the caches, are checked the same way. Run under each RLLOSS_CPU_ISA
// (tests/plugins/CMakeLists).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <rlloss/compute_call.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>
#include <utility>
#include <vector>

#include "loss_test_support.hpp"

namespace rlloss::test {
namespace {

struct CallResult {
  torch::Tensor loss, grad, metrics;
};

CallResult call(const Loss& loss, const LossInputs& in, const torch::Tensor& grad) {
  CallResult out{
      torch::zeros({}, in.log_prob.options()), grad,
      torch::zeros({static_cast<int64_t>(loss.metric_names().size())}, in.log_prob.options())};
  TorchCallTensors tensors;
  tensors.log_prob = in.log_prob;
  tensors.old_log_prob = in.old_log_prob;
  tensors.advantages = in.advantages;
  tensors.response_mask = in.response_mask;
  if (in.rollout_is_weights) tensors.rollout_is_weights = *in.rollout_is_weights;
  tensors.loss = out.loss;
  tensors.grad_log_prob = grad;
  tensors.metrics = out.metrics;
  const TorchCallViews views(std::move(tensors));
  loss.compute(make_compute_call(views.tensors(), {}, 2));
  return out;
}

// NaN, inf and -inf in the masked slots of every floating input.
void poison_masked_slots(LossInputs& in) {
  const torch::Tensor masked = in.response_mask.to(torch::kFloat64) == 0;
  const double inf = std::numeric_limits<double>::infinity();
  in.log_prob = in.log_prob.masked_fill(masked, std::numeric_limits<double>::quiet_NaN());
  in.old_log_prob = in.old_log_prob.masked_fill(masked, inf);
  in.advantages = in.advantages.masked_fill(masked, -inf);
  if (in.rollout_is_weights)
    in.rollout_is_weights = in.rollout_is_weights->masked_fill(masked, inf);
}

LossInputs strided(const LossInputs& in) {
  LossInputs out = in;
  out.log_prob = as_strided_layout(in.log_prob, 2);
  out.old_log_prob = as_strided_layout(in.old_log_prob, 2);
  out.advantages = as_strided_layout(in.advantages, 2);
  out.response_mask = as_strided_layout(in.response_mask, 2);
  if (in.rollout_is_weights) out.rollout_is_weights = as_strided_layout(*in.rollout_is_weights, 2);
  return out;
}

struct Variant {
  std::string loss_mode;
  ArgList args;
};

void PrintTo(const Variant& variant, std::ostream* out) {
  *out << variant.loss_mode;
  for (const auto& [name, value] : variant.args) *out << " " << name << "=" << value;
}

const std::vector<Variant> kVariants = {
    {"sapo", {}},     {"sapo", {{"importance_sampling_level", "sequence"}}},
    {"ppo_clip", {}}, {"gspo", {}},
    {"cispo", {}},    {"cispo", {{"clip_ratio_low", "10"}}},
    {"gpg", {}},      {"dro", {}},
    {"dppo_tv", {}},  {"dppo_kl", {}},
};

class VectorPass : public ::testing::TestWithParam<Variant> {};

TEST_P(VectorPass, ContiguousAndStridedCallsAgree) {
  const auto loss = make_loss(GetParam().loss_mode, GetParam().args);
  // Rows of 1, 15, 16, 17, 31, 32, 33, 64, 65, 97 and 301 tokens (a step of the vector loop is
  // 8 to 32 tokens; a two-stage Math's pipeline starts at one step and runs its loop from two);
  // 40 x 1000 spans three 16384-token chunks, whose boundaries fall inside rows.
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{3, 1},  {4, 15}, {5, 16},  {3, 17},
                                                           {2, 31}, {2, 32}, {2, 33},  {2, 64},
                                                           {2, 65}, {2, 97}, {2, 301}, {40, 1000}};
  const std::vector<torch::Dtype> mask_dtypes = {torch::kBool, torch::kUInt8, torch::kFloat32,
                                                 torch::kFloat64};
  int64_t seed = 100;
  for (const auto dtype : {torch::kFloat64, torch::kFloat32}) {
    for (const auto mask_dtype : mask_dtypes) {
      for (const bool with_weights : {false, true}) {
        for (const auto& [rows, cols] : shapes) {
          BatchSpec spec;
          spec.rows = rows;
          spec.cols = cols;
          spec.dtype = dtype;
          spec.mask_dtype = mask_dtype;
          spec.mask = MaskKind::random_holes;
          spec.with_weights = with_weights;
          spec.log_ratio_std = 2.0;  // ratios on both sides of every clip range
          spec.seed = ++seed;
          LossInputs contiguous = random_batch(spec);
          poison_masked_slots(contiguous);
          const LossInputs views = strided(contiguous);
          ASSERT_FALSE(views.log_prob.is_contiguous());
          SCOPED_TRACE(::testing::Message()
                       << GetParam().loss_mode << " " << toString(dtype) << " mask "
                       << toString(mask_dtype) << (with_weights ? " IS weights " : " ") << rows
                       << "x" << cols);

          const CallResult vector = call(*loss, contiguous, torch::empty_like(contiguous.log_prob));
          const CallResult staged =
              call(*loss, views, as_strided_layout(torch::zeros_like(contiguous.log_prob), 2));
          EXPECT_TRUE(torch::isfinite(vector.loss).item<bool>());
          EXPECT_TRUE(torch::isfinite(vector.grad).all().item<bool>());
          const double tolerance = dtype == torch::kFloat64 ? 1e-13 : 1e-5;
          EXPECT_TRUE(all_close(vector.loss, staged.loss, tolerance,
                                1.0 + std::abs(staged.loss.item<double>())));
          EXPECT_TRUE(all_close(vector.grad, staged.grad, tolerance, max_abs(staged.grad)));
          EXPECT_TRUE(
              all_close(vector.metrics, staged.metrics, tolerance, 1.0 + max_abs(staged.metrics)));
        }
      }
    }
  }
}

// From 8 MiB of gradient on, the vector loop writes the gradient with non-temporal stores
// (kStreamGradBytes, kit/cpu_fused_pass.hpp), in the segments whose gradient starts on a register
// boundary. 32773-token rows (odd) make most row starts unaligned and the segments that start at
// a chunk boundary aligned, so one call runs both stores; 32-token rows make every row a segment
// of its own that streams, 512 of them in each chunk. Either must agree with the staged loop.
TEST_P(VectorPass, LargeCallsThatStreamTheGradientAgree) {
  const auto loss = make_loss(GetParam().loss_mode, GetParam().args);
  struct Large {
    torch::Dtype dtype;
    int64_t rows, cols;  // 8 MiB of gradient or just over, the streaming threshold
    bool with_weights;
  };
  int64_t seed = 900;
  for (const Large large :
       {Large{torch::kFloat32, 64, 32773, false}, Large{torch::kFloat32, 64, 32773, true},
        Large{torch::kFloat64, 32, 32773, false}, Large{torch::kFloat32, 65536, 32, false}}) {
    BatchSpec spec;
    spec.rows = large.rows;
    spec.cols = large.cols;
    spec.dtype = large.dtype;
    spec.mask_dtype = torch::kUInt8;
    spec.mask = MaskKind::random_holes;
    spec.with_weights = large.with_weights;
    spec.log_ratio_std = 2.0;
    spec.seed = ++seed;
    LossInputs contiguous = random_batch(spec);
    poison_masked_slots(contiguous);
    const torch::Tensor grad = torch::full_like(contiguous.log_prob, 7.0);
    ASSERT_GE(grad.numel() * grad.element_size(), int64_t{8} << 20);
    SCOPED_TRACE(::testing::Message()
                 << GetParam().loss_mode << " " << toString(large.dtype)
                 << (large.with_weights ? " IS weights " : " ") << large.rows << "x" << large.cols);

    const CallResult vector = call(*loss, contiguous, grad);
    const CallResult staged = call(*loss, strided(contiguous),
                                   as_strided_layout(torch::zeros_like(contiguous.log_prob), 2));
    EXPECT_TRUE(torch::isfinite(vector.grad).all().item<bool>());
    const double tolerance = large.dtype == torch::kFloat64 ? 1e-12 : 1e-5;
    EXPECT_TRUE(all_close(vector.grad, staged.grad, tolerance, max_abs(staged.grad)));
    EXPECT_TRUE(
        all_close(vector.loss, staged.loss, tolerance, 1.0 + std::abs(staged.loss.item<double>())));
    EXPECT_TRUE(
        all_close(vector.metrics, staged.metrics, tolerance, 1.0 + max_abs(staged.metrics)));
  }
}

// The row pre-pass runs in registers on contiguous rows (kit/cpu_vector_row_pass.hpp) and as the
// scalar loop on strided ones, summing the same lanes in the same order: each row's value must be
// the same to the bit. GSPO's gradient is -A * s, or 0 where the clip is active, with s the
// exponential of the row's value, so a last-bit difference in a row's value shows in that row's
// gradient. float64 only: in float32 the two token loops' exps may round differently where a
// compiler contracts multiply-adds differently in the two (clang's ASan build does, on rows of 15
// and 16 tokens that have no vector step of the pre-pass at all). (On the generic kernel both
// calls take the scalar pre-pass.)
TEST(VectorRowPrePass, ContiguousAndStridedRowsGiveTheSameBits) {
  const auto loss = make_loss("gspo", {});
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{4, 15}, {5, 16},  {3, 17},
                                                           {2, 33}, {2, 301}, {8, 1000}};
  int64_t seed = 500;
  const auto dtype = torch::kFloat64;
  for (const auto mask_dtype : {torch::kBool, torch::kUInt8, torch::kFloat32, torch::kFloat64}) {
    for (const auto& [rows, cols] : shapes) {
      BatchSpec spec;
      spec.rows = rows;
      spec.cols = cols;
      spec.dtype = dtype;
      spec.mask_dtype = mask_dtype;
      spec.mask = MaskKind::random_holes;
      spec.log_ratio_std = 0.5;
      spec.seed = ++seed;
      LossInputs contiguous = random_batch(spec);
      poison_masked_slots(contiguous);
      SCOPED_TRACE(::testing::Message() << toString(dtype) << " mask " << toString(mask_dtype)
                                        << " " << rows << "x" << cols);
      const CallResult vector = call(*loss, contiguous, torch::empty_like(contiguous.log_prob));
      const CallResult staged = call(*loss, strided(contiguous),
                                     as_strided_layout(torch::zeros_like(contiguous.log_prob), 2));
      EXPECT_GT(max_abs(staged.grad), 0.0);
      EXPECT_TRUE(torch::equal(vector.grad, staged.grad.contiguous()));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryLoss, VectorPass, ::testing::ValuesIn(kVariants),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return info.param.loss_mode + (info.param.args.empty() ? "" : "_seq");
                         });

}  // namespace
}  // namespace rlloss::test
