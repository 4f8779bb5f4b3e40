// The CUDA path against the CPU path and the float64 LibTorch reference. Skips without a GPU.
// Also compiled as C++ for the interpreted device (tests/interp/), which runs the same kernels on
// the CPU with CUDA's execution rules: there the shapes are cut to what still exercises the same
// paths, and the tests at the end check what only the interpreter can (every thread order gives
// the same bits; allocation and launch failures reach the caller as errors).
//
// Tolerances: float64 inputs are computed in double on both devices and differ only in summation
// order: 1e-12 relative. float32, float16 and bfloat16 inputs are computed in float32: each token's
// loss and gradient carry a few float32 ulps (exp, sigmoid), so we allow 2e-5 relative to the
// magnitude (the aggregate of |per-token loss|, or |grad|); a float16 / bfloat16 gradient is then
// rounded to its 11 / 8 significant bits, hence 2^-10 / 2^-7 relative for the gradient there.
#include <cuda_runtime.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <reference_loss.hpp>
#include <rlloss/registry.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>
#include <vector>

#include "busy_stream.hpp"
#include "device_tensor.hpp"

namespace rlloss {
namespace {

using test::DeviceTensor;

#if defined(RLLOSS_INTERPRETED_DEVICE)
// Every CUDA thread is a fiber there: a token block costs about a millisecond.
constexpr bool kInterpreted = true;
#else
constexpr bool kInterpreted = false;
#endif

const char* const kAggModes[] = {"token-mean", "token-sum", "seq-mean-token-sum",
                                 "seq-mean-token-mean", "seq-mean-token-sum-norm"};

Registry& plugins() {
  static Registry* registry = [] {
    auto* r = new Registry();
    r->load_directory(RLLOSS_TEST_PLUGIN_DIR);
    return r;
  }();
  return *registry;
}

// `level` sets SAPO's importance_sampling_level (the row pre-pass) when not empty.
// Every shipped loss.
const char* const kLossNames[] = {"sapo", "ppo_clip", "gspo",    "cispo",
                                  "gpg",  "dro",      "dppo_tv", "dppo_kl"};

std::shared_ptr<Loss> make_loss(const std::string& name, const std::string& agg_mode,
                                const std::string& level = "") {
  auto plugin = plugins().get(name);
  LossArgs args(plugin->table());
  args.set_string("loss_agg_mode", agg_mode, "test");
  // An argument without a default (dro's dro_beta) gets a value, as a trainer YAML sets it.
  for (const LossArg& arg : args.entries()) {
    if (contract::is_required(*arg.spec)) args.set(arg.name(), 0.7, "test");
  }
  if (!level.empty()) args.set_string("importance_sampling_level", level, "test");
  args.apply_defaults();
  return plugins().create(name, args);
}

// A random batch in float64: ragged mask (row 0 fully masked when B > 2), NaN in masked slots.
LossInputs random_batch(int64_t rows, int64_t cols, uint64_t seed, double log_ratio_scale,
                        bool is_weights, torch::ScalarType mask_dtype) {
  torch::manual_seed(seed);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  LossInputs in;
  in.old_log_prob = -2.0 * torch::rand({rows, cols}, f64) - 0.01;
  in.log_prob = in.old_log_prob + log_ratio_scale * torch::randn({rows, cols}, f64);
  in.advantages = torch::randn({rows, 1}, f64).expand({rows, cols}).contiguous();
  if (cols > 2) in.advantages.select(1, 1).zero_();
  auto lengths = torch::randint(0, cols + 1, {rows, 1});
  if (rows > 2) lengths[0] = 0;
  if (rows > 1) lengths[1] = cols;
  auto mask = torch::arange(cols).unsqueeze(0) < lengths;
  // Holes inside the rows after the first two (a multi-turn mask hides tool output mid-row).
  if (rows > 2) mask.slice(0, 2) &= torch::rand({rows - 2, cols}) > 0.15;
  in.response_mask = mask.to(mask_dtype);
  if (is_weights) in.rollout_is_weights = 0.5 + torch::rand({rows, cols}, f64);
  const double nan = std::nan("");
  in.log_prob.masked_fill_(~mask, nan);
  in.old_log_prob.masked_fill_(~mask, -std::numeric_limits<double>::infinity());
  in.advantages.masked_fill_(~mask, nan);
  if (is_weights) in.rollout_is_weights->masked_fill_(~mask, nan);
  return in;
}

LossInputs cast_inputs(const LossInputs& in, torch::ScalarType dtype) {
  LossInputs out = in;
  out.log_prob = in.log_prob.to(dtype);
  out.old_log_prob = in.old_log_prob.to(dtype);
  out.advantages = in.advantages.to(dtype);
  if (in.rollout_is_weights) out.rollout_is_weights = in.rollout_is_weights->to(dtype);
  return out;
}

struct Outputs {
  torch::Tensor loss;     // 0-d float64
  torch::Tensor grad;     // [B, T] in the inputs' dtype
  torch::Tensor metrics;  // [K] float64
};

rlloss_compute_call make_call(const LossInputs& in) {
  rlloss_compute_call call{};
  call.struct_size = sizeof call;
  call.global_token_count = in.normalisers.global_token_count;
  call.global_seq_count = in.normalisers.global_seq_count;
  call.dp_size = in.normalisers.dp_size;
  return call;
}

// `advantages` replaces the device copy of in.advantages when given (a broadcast view).
Outputs run_cuda(const Loss& loss, const LossInputs& in, cudaStream_t stream = nullptr,
                 int64_t col_step = 1, DLTensor* advantages_view = nullptr) {
  DeviceTensor log_prob(in.log_prob, col_step), old_log_prob(in.old_log_prob, col_step);
  DeviceTensor advantages(in.advantages, col_step), mask(in.response_mask, col_step);
  std::unique_ptr<DeviceTensor> weights;
  if (in.rollout_is_weights)
    weights = std::make_unique<DeviceTensor>(*in.rollout_is_weights, col_step);
  DeviceTensor out_loss({}, torch::kFloat64);
  DeviceTensor out_grad({in.log_prob.size(0), in.log_prob.size(1)}, in.log_prob.scalar_type());
  DeviceTensor out_metrics({static_cast<int64_t>(loss.metric_names().size())}, torch::kFloat64);
  rlloss_compute_call call = make_call(in);
  call.log_prob = log_prob.dl();
  call.old_log_prob = old_log_prob.dl();
  call.advantages = advantages_view != nullptr ? advantages_view : advantages.dl();
  call.response_mask = mask.dl();
  call.rollout_is_weights = weights ? weights->dl() : nullptr;
  call.stream = stream;
  call.loss = out_loss.dl();
  call.grad_log_prob = out_grad.dl();
  call.metrics = out_metrics.dl();
  loss.compute(call);
  return {out_loss.to_cpu(), out_grad.to_cpu(), out_metrics.to_cpu()};
}

class CudaLossTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess || count == 0) {
      GTEST_SKIP() << "no CUDA device here ("
                   << (status != cudaSuccess ? cudaGetErrorName(status) : "0 devices")
                   << "): GPU tests skipped";
    }
    auto plugin = plugins().get("sapo");
    ASSERT_TRUE(plugin->table().devices & RLLOSS_DEVICE_BIT(kDLCUDA))
        << "a GPU is present but the plugins were built without CUDA";
  }
};

// A float16 gradient below 2^-14 is subnormal: its rounding error is up to half the subnormal
// step, 2^-25, whatever its size (the relative bound alone failed on the first run, on the
// interpreted device, at token-mean gradients near 1e-5).
double grad_absolute_tolerance(torch::ScalarType dtype) {
  return dtype == torch::kFloat16 ? std::ldexp(1.0, -25) : 0.0;
}

double grad_tolerance(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat64: return 1e-12;
    case torch::kBFloat16: return 1.0 / 128;
    case torch::kFloat16: return 1.0 / 1024;
    default: return 2e-5;
  }
}

void expect_matches_reference(const std::string& name, const Loss& loss, const LossInputs& in,
                              const Outputs& got, const std::string& label) {
  const torch::ScalarType dtype = in.log_prob.scalar_type();
  const auto reference =
      reference::reference_loss(name, loss.args(), cast_inputs(in, torch::kFloat64));
  const double value_rel = dtype == torch::kFloat64 ? 1e-12 : 2e-5;
  const double scale =
      reference::aggregate(reference.token_loss.abs(), in.response_mask.to(torch::kFloat64),
                           loss.args().string("loss_agg_mode"), in.normalisers,
                           loss.args().number("loss_scale_factor"))
          .item<double>();
  EXPECT_NEAR(got.loss.item<double>(), reference.loss.item<double>(), value_rel * scale + 1e-300)
      << label;
  const auto grad = got.grad.to(torch::kFloat64);
  const double grad_scale = reference.grad.abs().max().item<double>();
  const double allowed = grad_tolerance(dtype);
  const double worst =
      ((grad - reference.grad).abs() - allowed * reference.grad.abs()).max().item<double>();
  EXPECT_LE(worst, value_rel * grad_scale + grad_absolute_tolerance(dtype) + 1e-300)
      << label << ": gradient";
  EXPECT_TRUE(torch::isfinite(grad).all().item<bool>()) << label << ": every element written";
  const auto names = loss.metric_names();
  for (size_t m = 0; m < names.size(); ++m) {
    const double want = reference.metrics.at(names[m]);
    EXPECT_NEAR(got.metrics[m].item<double>(), want, (value_rel * 10) * (1 + std::abs(want)))
        << label << ": metric " << names[m];
  }
}

TEST_F(CudaLossTest, MatchesReferenceForEveryModeShapeAndDtype) {
  // A partial block, a block boundary (2048 tokens per block) either side, rows shorter and longer
  // than a block's 256 threads, and many blocks (64 x 4096 on a GPU; 9 x 1100 interpreted).
  std::vector<std::pair<int64_t, int64_t>> shapes = {{1, 1},    {1, 2047}, {1, 2049},
                                                     {3, 1000}, {17, 333}, {5, 7}};
  shapes.push_back(kInterpreted ? std::pair<int64_t, int64_t>{9, 1100}
                                : std::pair<int64_t, int64_t>{64, 4096});
  const torch::ScalarType dtypes[] = {torch::kFloat64, torch::kFloat32, torch::kBFloat16,
                                      torch::kFloat16};
  uint64_t seed = 100;
  for (const std::string name : kLossNames) {
    for (const char* agg : kAggModes) {
      const auto loss = make_loss(name, agg);
      for (const auto& [rows, cols] : shapes) {
        for (const torch::ScalarType dtype : dtypes) {
          const bool weights = seed % 2 == 0;
          const torch::ScalarType mask_dtypes[] = {torch::kBool, torch::kFloat32, torch::kUInt8,
                                                   torch::kFloat64};
          const auto mask_dtype = mask_dtypes[seed % 3 + (seed % 7 == 0 ? 1 : 0)];
          // Round once to the dtype, then the reference sees exactly what the kernel sees.
          const LossInputs in =
              cast_inputs(random_batch(rows, cols, ++seed, 0.3, weights, mask_dtype), dtype);
          const std::string label = name + "/" + agg + "/" + std::to_string(rows) + "x" +
                                    std::to_string(cols) + "/" + c10::toString(dtype);
          expect_matches_reference(name, *loss, in, run_cuda(*loss, in), label);
        }
      }
    }
  }
}

TEST_F(CudaLossTest, SequenceLevelRowPrePassMatchesTheReference) {
  // The row pre-pass on the device: SAPO at sequence level and GSPO, every mode, ragged rows
  // (some fully masked) long enough for many threads per row.
  const torch::ScalarType dtypes[] = {torch::kFloat64, torch::kFloat32, torch::kBFloat16};
  uint64_t seed = 400;
  for (const char* agg : kAggModes) {
    const auto sapo = make_loss("sapo", agg, "sequence");
    const auto gspo = make_loss("gspo", agg);
    for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{7, 3000}, {40, 9}}) {
      for (const torch::ScalarType dtype : dtypes) {
        ++seed;
        const LossInputs in =
            cast_inputs(random_batch(rows, cols, seed, 0.3, seed % 2 == 0, torch::kBool), dtype);
        const std::string label = std::string(agg) + "/" + std::to_string(rows) + "x" +
                                  std::to_string(cols) + "/" + c10::toString(dtype);
        expect_matches_reference("sapo", *sapo, in, run_cuda(*sapo, in), "sapo seq " + label);
        expect_matches_reference("gspo", *gspo, in, run_cuda(*gspo, in), "gspo " + label);
      }
    }
  }
}

TEST_F(CudaLossTest, SequenceLevelIsDeterministic) {
  const auto loss = make_loss("sapo", "seq-mean-token-mean", "sequence");
  const LossInputs in = kInterpreted ? random_batch(7, 1300, 9, 0.4, true, torch::kFloat32)
                                     : random_batch(31, 5000, 9, 0.4, true, torch::kFloat32);
  const Outputs first = run_cuda(*loss, in);
  for (int run = 0; run < 3; ++run) {
    const Outputs again = run_cuda(*loss, in);
    EXPECT_TRUE(torch::equal(first.loss, again.loss));
    EXPECT_TRUE(torch::equal(first.grad, again.grad));
    EXPECT_TRUE(torch::equal(first.metrics, again.metrics));
  }
}

TEST_F(CudaLossTest, AgreesWithTheCpuPath) {
  for (const std::string name : kLossNames) {
    for (const char* agg : kAggModes) {
      const auto loss = make_loss(name, agg);
      LossInputs in = kInterpreted ? random_batch(5, 900, 7, 0.5, true, torch::kUInt8)
                                   : random_batch(33, 1500, 7, 0.5, true, torch::kUInt8);
      const Outputs gpu = run_cuda(*loss, in, nullptr, /*col_step=*/3);
      in.log_prob = in.log_prob.clone().requires_grad_(true);
      const LossOutput cpu = compute_loss(*loss, in);
      cpu.loss.backward();
      const std::string label = name + "/" + agg;
      EXPECT_NEAR(gpu.loss.item<double>(), cpu.loss.item<double>(),
                  1e-12 * (1 + std::abs(cpu.loss.item<double>())))
          << label;
      EXPECT_TRUE(torch::allclose(gpu.grad, in.log_prob.grad(), 1e-12, 1e-15)) << label;
      const auto names = loss->metric_names();
      for (size_t m = 0; m < names.size(); ++m) {
        const double want = cpu.metrics.at(names[m]).item<double>();
        EXPECT_NEAR(gpu.metrics[m].item<double>(), want, 1e-12 * (1 + std::abs(want)))
            << label << ": " << names[m];
      }
    }
  }
}

TEST_F(CudaLossTest, StridedAndBroadcastInputs) {
  const auto loss = make_loss("sapo", "seq-mean-token-mean");
  LossInputs in = random_batch(9, 777, 3, 0.4, true, torch::kFloat64);
  expect_matches_reference("sapo", *loss, in, run_cuda(*loss, in, nullptr, 2), "col step 2");
  // Advantages as a [B, 1] column broadcast over the row (column stride 0), as verl passes them.
  const torch::Tensor column = torch::randn({9}, torch::kFloat64);
  in.advantages = column.unsqueeze(1).expand({9, 777});
  const auto broadcast = DeviceTensor::broadcast_rows(column, 777);
  expect_matches_reference("sapo", *loss, in, run_cuda(*loss, in, nullptr, 1, broadcast->dl()),
                           "broadcast advantages");
}

TEST_F(CudaLossTest, EmptyBatchGivesZeroLossAndMetrics) {
  for (const auto& [rows, cols] : std::vector<std::pair<int64_t, int64_t>>{{0, 5}, {4, 0}}) {
    const auto loss = make_loss("sapo", "token-mean");
    const LossInputs in = random_batch(rows, cols, 1, 0.1, false, torch::kBool);
    const Outputs out = run_cuda(*loss, in);
    EXPECT_EQ(out.loss.item<double>(), 0.0);
    EXPECT_TRUE((out.metrics == 0).all().item<bool>());
  }
}

TEST_F(CudaLossTest, FullyMaskedRowsAndExtremeLogRatiosStayFinite) {
  for (const std::string name : {"sapo", "ppo_clip"}) {
    const auto loss = make_loss(name, "token-mean");
    LossInputs in = random_batch(6, 300, 9, 0.1, false, torch::kBool);
    in.log_prob.select(1, 3).fill_(1e4);
    in.log_prob.select(1, 4).fill_(-1e4);
    in.response_mask.select(0, 2).fill_(false);
    const Outputs out = run_cuda(*loss, in);
    EXPECT_TRUE(std::isfinite(out.loss.item<double>())) << name;
    EXPECT_TRUE(torch::isfinite(out.grad).all().item<bool>()) << name;
    EXPECT_TRUE(torch::isfinite(out.metrics).all().item<bool>()) << name;
    expect_matches_reference(name, *loss, in, out, name + " extreme");
  }
}

TEST_F(CudaLossTest, DeterministicAcrossRunsAndStreams) {
  const auto loss = make_loss("sapo", "seq-mean-token-mean");
  const LossInputs in =
      cast_inputs(kInterpreted ? random_batch(6, 1500, 5, 0.3, true, torch::kBool)
                               : random_batch(64, 20000, 5, 0.3, true, torch::kBool),
                  torch::kFloat32);
  cudaStream_t streams[2];
  for (auto& s : streams)
    ASSERT_EQ(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
  const Outputs first = run_cuda(*loss, in, streams[0]);
  for (int run = 0; run < 6; ++run) {
    const Outputs again = run_cuda(*loss, in, streams[run % 2]);
    EXPECT_TRUE(torch::equal(first.loss, again.loss)) << "run " << run;
    EXPECT_TRUE(torch::equal(first.grad, again.grad)) << "run " << run;
    EXPECT_TRUE(torch::equal(first.metrics, again.metrics)) << "run " << run;
  }
  for (auto& s : streams) cudaStreamDestroy(s);
}

TEST_F(CudaLossTest, NeverWaitsForTheStream) {
  const auto loss = make_loss("ppo_clip", "token-mean");
  const LossInputs in =
      cast_inputs(random_batch(8, 4096, 11, 0.3, false, torch::kBool), torch::kFloat32);
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaSuccess);
  DeviceTensor log_prob(in.log_prob), old_log_prob(in.old_log_prob), advantages(in.advantages),
      mask(in.response_mask);
  DeviceTensor out_loss({}, torch::kFloat64), out_grad({8, 4096}, torch::kFloat32),
      out_metrics({4}, torch::kFloat64);
  rlloss_compute_call call = make_call(in);
  call.log_prob = log_prob.dl();
  call.old_log_prob = old_log_prob.dl();
  call.advantages = advantages.dl();
  call.response_mask = mask.dl();
  call.stream = stream;
  call.loss = out_loss.dl();
  call.grad_log_prob = out_grad.dl();
  call.metrics = out_metrics.dl();
  loss->compute(call);  // warm-up: module loading and the memory pool
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);

  ASSERT_EQ(test::keep_stream_busy(stream, 500.0), cudaSuccess);
  const auto start = std::chrono::steady_clock::now();
  loss->compute(call);
  const double waited_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(cudaStreamQuery(stream), cudaErrorNotReady) << "the stream finished during the call";
  EXPECT_LT(waited_ms, 100.0) << "compute waited for the busy stream";
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  expect_matches_reference("ppo_clip", *loss, in,
                           {out_loss.to_cpu(), out_grad.to_cpu(), out_metrics.to_cpu()},
                           "after the busy stream");
  cudaStreamDestroy(stream);
}

TEST_F(CudaLossTest, TwoRanksWithGlobalCountsAverageToTheWholeBatch) {
  for (const char* agg : kAggModes) {
    const auto loss = make_loss("sapo", agg);
    const LossInputs whole = random_batch(10, 513, 21, 0.3, true, torch::kBool);
    const Outputs full = run_cuda(*loss, whole);
    const auto mask = whole.response_mask.to(torch::kBool);
    const int64_t tokens = mask.sum().item<int64_t>();
    const int64_t sequences = mask.any(1).sum().item<int64_t>();
    double loss_sum = 0;
    std::vector<torch::Tensor> grads;
    for (int64_t half = 0; half < 2; ++half) {
      LossInputs part;
      const auto rows = [&](const torch::Tensor& t) { return t.slice(0, half * 5, half * 5 + 5); };
      part.log_prob = rows(whole.log_prob);
      part.old_log_prob = rows(whole.old_log_prob);
      part.advantages = rows(whole.advantages);
      part.response_mask = rows(whole.response_mask);
      part.rollout_is_weights = rows(*whole.rollout_is_weights);
      part.normalisers = {tokens, sequences, 2};
      const Outputs out = run_cuda(*loss, part);
      loss_sum += out.loss.item<double>();
      grads.push_back(out.grad);
    }
    EXPECT_NEAR(loss_sum / 2, full.loss.item<double>(), 1e-12 * (1 + std::abs(loss_sum))) << agg;
    EXPECT_TRUE(torch::allclose(torch::cat(grads) / 2, full.grad, 1e-12, 1e-15)) << agg;
  }
}

TEST_F(CudaLossTest, BadMaskValuesPoisonTheLossInsteadOfTrainingOnGarbage) {
  const auto loss = make_loss("sapo", "token-mean");
  LossInputs in = random_batch(4, 100, 2, 0.1, false, torch::kFloat32);
  in.response_mask[1][5] = 0.5;
  const Outputs out = run_cuda(*loss, in);
  EXPECT_TRUE(std::isnan(out.loss.item<double>()));
  EXPECT_TRUE(torch::isnan(out.metrics).all().item<bool>());
}

TEST_F(CudaLossTest, GlobalCountBelowTheBatchPoisonsTheLoss) {
  const auto loss = make_loss("sapo", "token-mean");
  LossInputs in = random_batch(4, 100, 3, 0.1, false, torch::kBool);
  const int64_t tokens = in.response_mask.to(torch::kBool).sum().item<int64_t>();
  in.normalisers = {tokens - 1, -1, 1};
  const Outputs out = run_cuda(*loss, in);
  EXPECT_TRUE(std::isnan(out.loss.item<double>()));
  EXPECT_TRUE(torch::isnan(out.metrics).all().item<bool>());
  in.normalisers = {tokens, -1, 1};
  expect_matches_reference("sapo", *loss, in, run_cuda(*loss, in), "the exact global count");
}

TEST_F(CudaLossTest, MixedDevicesAreRefused) {
  const auto loss = make_loss("sapo", "token-mean");
  const LossInputs in = random_batch(2, 8, 2, 0.1, false, torch::kBool);
  DeviceTensor log_prob(in.log_prob), old_log_prob(in.old_log_prob), advantages(in.advantages);
  auto cpu_mask = in.response_mask.to(torch::kUInt8).contiguous();
  DLTensor mask = *log_prob.dl();
  mask.data = cpu_mask.data_ptr();
  mask.device = {kDLCPU, 0};
  mask.dtype = {kDLUInt, 8, 1};
  mask.strides = nullptr;
  DeviceTensor out_loss({}, torch::kFloat64), out_grad({2, 8}, torch::kFloat64);
  rlloss_compute_call call = make_call(in);
  call.log_prob = log_prob.dl();
  call.old_log_prob = old_log_prob.dl();
  call.advantages = advantages.dl();
  call.response_mask = &mask;
  call.loss = out_loss.dl();
  call.grad_log_prob = out_grad.dl();
  try {
    loss->compute(call);
    FAIL() << "mixed devices were accepted";
  } catch (const RegistryError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("response_mask is on cpu but log_prob is on cuda:"));
  }
}

#if defined(RLLOSS_INTERPRETED_DEVICE)

// What the interpreted device ran, for the issue notes (ctest runs one test per process).
class InterpretedDeviceStatistics : public ::testing::Environment {
 public:
  void TearDown() override {
    const interp::Statistics s = interp::statistics();
    std::printf(
        "interpreted device: %llu kernel launches, %llu blocks, %llu CUDA threads, %llu "
        "thread-order seeds\n",
        static_cast<unsigned long long>(s.launches), static_cast<unsigned long long>(s.blocks),
        static_cast<unsigned long long>(s.threads), static_cast<unsigned long long>(s.schedules));
  }
};
::testing::Environment* const kStatistics =
    ::testing::AddGlobalTestEnvironment(new InterpretedDeviceStatistics);

// Runs `body` under schedule seed `seed` and restores the seed the suite runs under.
template <class Body>
auto under_seed(uint64_t seed, Body&& body) {
  const uint64_t before = interp::schedule_seed();
  interp::set_schedule_seed(seed);
  auto result = body();
  interp::set_schedule_seed(before);
  return result;
}

TEST_F(CudaLossTest, EveryThreadOrderGivesTheSameBits) {
  const std::pair<const char*, const char*> losses[] = {
      {"sapo", ""}, {"sapo", "sequence"}, {"ppo_clip", ""}, {"gspo", ""},   {"cispo", ""},
      {"gpg", ""},  {"dro", ""},          {"dppo_tv", ""},  {"dppo_kl", ""}};
  for (const auto& [name, level] : losses) {
    const auto loss = make_loss(name, "seq-mean-token-mean", level);
    const LossInputs in =
        cast_inputs(random_batch(5, 1000, 31, 0.4, true, torch::kBool), torch::kFloat32);
    const Outputs first = under_seed(101, [&] { return run_cuda(*loss, in); });
    for (const uint64_t seed : {102, 103, 104}) {
      const Outputs again = under_seed(seed, [&] { return run_cuda(*loss, in); });
      const std::string label = std::string(name) + " " + level + " seed " + std::to_string(seed);
      EXPECT_TRUE(torch::equal(first.loss, again.loss)) << label;
      EXPECT_TRUE(torch::equal(first.grad, again.grad)) << label;
      EXPECT_TRUE(torch::equal(first.metrics, again.metrics)) << label;
    }
  }
}

TEST_F(CudaLossTest, ScratchAllocationFailureIsAnErrorNamingTheCall) {
  const auto loss = make_loss("sapo", "token-mean");
  const LossInputs in = random_batch(3, 50, 4, 0.2, false, torch::kBool);
  interp::inject_fault(interp::Fault::allocation);
  try {
    run_cuda(*loss, in);
    FAIL() << "a failed scratch allocation was not reported";
  } catch (const RegistryError& e) {
    EXPECT_THAT(
        e.what(),
        ::testing::HasSubstr("cudaMallocFromPoolAsync: cudaErrorMemoryAllocation (out of memory)"));
  }
  interp::clear_faults();
  expect_matches_reference("sapo", *loss, in, run_cuda(*loss, in), "after the failure");
}

TEST_F(CudaLossTest, LaunchFailureIsAnErrorAndFreesTheScratch) {
  const auto loss = make_loss("ppo_clip", "token-mean");
  const LossInputs in = random_batch(3, 50, 5, 0.2, false, torch::kBool);
  for (int failing_launch = 1; failing_launch <= 4; ++failing_launch) {
    // The Nth launch of the call fails; the earlier ones succeed.
    interp::inject_fault(interp::Fault::launch, failing_launch - 1);
    try {
      run_cuda(*loss, in);
      FAIL() << "a failed launch was not reported";
    } catch (const RegistryError& e) {
      EXPECT_THAT(e.what(),
                  ::testing::HasSubstr("launching the loss kernels: cudaErrorLaunchFailure"));
    }
    interp::clear_faults();
  }
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  expect_matches_reference("ppo_clip", *loss, in, run_cuda(*loss, in), "after the failure");
}

#endif

}  // namespace
}  // namespace rlloss
