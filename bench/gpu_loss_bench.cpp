// GPU benchmark (sapo, ppo_clip, gspo with its row pre-pass, cispo): the plugin's CUDA path against
// a device-to-device copy of the same bytes and, when LibTorch has CUDA, the same formula as
// LibTorch eager ops with forward and backward. Timed with CUDA events on one stream (manual time);
// run on a GPU machine, not in CI.
//
// Bytes: the fused pass must read log_prob, old_log_prob, advantages (4 B each, float32) and the
// mask (1 B) and write the gradient (4 B): 17 B per token. The copy moves the same 17 B per token
// (cudaMemcpyAsync of 8.5 B per token is read once and written once). GB/s counts bytes moved.
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <device_tensor.hpp>
#include <map>
#include <memory>
#include <rlloss/compute_call.hpp>
#include <rlloss/registry.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>

#include "eager_losses.hpp"

namespace rlloss::bench {
namespace {

constexpr int64_t kCols = 4096;
constexpr double kBytesPerToken = 17.0;

bool has_gpu() {
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

Registry& registry() {
  static Registry* r = [] {
    auto* loaded = new Registry();
    loaded->load_directory(RLLOSS_BENCH_PLUGIN_DIR);
    return loaded;
  }();
  return *r;
}

struct DeviceBatch {
  std::unique_ptr<test::DeviceTensor> log_prob, old_log_prob, advantages, mask, loss, grad, metrics;
};

DeviceBatch make_batch(int64_t tokens, size_t num_metrics) {
  const int64_t rows = tokens / kCols;
  torch::manual_seed(0);
  const auto old_lp = -torch::rand({rows, kCols});
  DeviceBatch b;
  b.old_log_prob = std::make_unique<test::DeviceTensor>(old_lp);
  b.log_prob = std::make_unique<test::DeviceTensor>(old_lp + 0.1 * torch::randn({rows, kCols}));
  b.advantages = std::make_unique<test::DeviceTensor>(torch::randn({rows, kCols}));
  b.mask = std::make_unique<test::DeviceTensor>(torch::rand({rows, kCols}) < 0.9);
  b.loss = std::make_unique<test::DeviceTensor>(std::vector<int64_t>{}, torch::kFloat32);
  b.grad = std::make_unique<test::DeviceTensor>(std::vector<int64_t>{rows, kCols}, torch::kFloat32);
  b.metrics = std::make_unique<test::DeviceTensor>(
      std::vector<int64_t>{static_cast<int64_t>(num_metrics)}, torch::kFloat32);
  return b;
}

template <class Body>
void time_on_stream(benchmark::State& state, cudaStream_t stream, Body&& body) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  body();  // warm-up
  cudaStreamSynchronize(stream);
  for (auto _ : state) {
    cudaEventRecord(start, stream);
    body();
    cudaEventRecord(stop, stream);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    state.SetIterationTime(ms / 1000.0);
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * state.range(0) * kBytesPerToken));
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

void plugin_call(benchmark::State& state, const std::string& name) {
  if (!has_gpu()) return state.SkipWithError("no CUDA device");
  std::shared_ptr<Loss> loss = registry().create_default(name);
  if (name == "gspo") {
    LossArgs args = loss->args();
    args.set_string("loss_agg_mode", "token-mean", "benchmark");
    loss = registry().create(name, args);
  }
  DeviceBatch b = make_batch(state.range(0), loss->metric_names().size());
  ComputeTensors tensors;
  tensors.log_prob = b.log_prob->dl();
  tensors.old_log_prob = b.old_log_prob->dl();
  tensors.advantages = b.advantages->dl();
  tensors.response_mask = b.mask->dl();
  tensors.loss = b.loss->dl();
  tensors.grad_log_prob = b.grad->dl();
  tensors.metrics = b.metrics->dl();
  const rlloss_compute_call call = make_compute_call(tensors, LossNormalisers{}, 0);
  time_on_stream(state, nullptr, [&] { loss->compute(call); });
}

void device_copy(benchmark::State& state) {
  if (!has_gpu()) return state.SkipWithError("no CUDA device");
  const auto bytes = static_cast<size_t>(state.range(0) * kBytesPerToken / 2);
  void* source = nullptr;
  void* destination = nullptr;
  cudaMalloc(&source, bytes);
  cudaMalloc(&destination, bytes);
  cudaMemset(source, 1, bytes);
  time_on_stream(state, nullptr, [&] {
    cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDeviceToDevice, nullptr);
  });
  cudaFree(source);
  cudaFree(destination);
}

#if defined(RLLOSS_TORCH_HAS_CUDA)
void eager(benchmark::State& state, const std::string& name) {
  if (!has_gpu()) return state.SkipWithError("no CUDA device");
  const int64_t rows = state.range(0) / kCols;
  const auto options = torch::TensorOptions().device(torch::kCUDA).dtype(torch::kFloat32);
  const auto old_lp = -torch::rand({rows, kCols}, options);
  const auto log_prob = (old_lp + 0.1 * torch::randn({rows, kCols}, options)).requires_grad_(true);
  const auto advantages = torch::randn({rows, kCols}, options);
  const auto mask = torch::rand({rows, kCols}, options) < 0.9;
  time_on_stream(state, nullptr, [&] {
    // Each loss's defaults (token-mean for all: the plugin's gspo is created likewise below).
    const auto loss =
        name == "sapo"    ? sapo_eager_loss(log_prob, old_lp, advantages, mask, 1.0, 1.05)
        : name == "gspo"  ? gspo_eager_loss(log_prob, old_lp, advantages, mask, 0.2, 0.2)
        : name == "cispo" ? cispo_eager_loss(log_prob, old_lp, advantages, mask, 0.2, 0.2)
                          : ppo_clip_eager_loss(log_prob, old_lp, advantages, mask, 0.2, 0.2, 3.0);
    loss.backward();
    log_prob.mutable_grad().reset();
  });
}
BENCHMARK_CAPTURE(eager, sapo, std::string("sapo"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(eager, ppo_clip, std::string("ppo_clip"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(eager, gspo, std::string("gspo"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(eager, cispo, std::string("cispo"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
#endif

BENCHMARK_CAPTURE(plugin_call, sapo, std::string("sapo"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plugin_call, ppo_clip, std::string("ppo_clip"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plugin_call, gspo, std::string("gspo"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(plugin_call, cispo, std::string("cispo"))
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(device_copy)
    ->RangeMultiplier(16)
    ->Range(1 << 20, 1 << 27)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rlloss::bench

BENCHMARK_MAIN();
