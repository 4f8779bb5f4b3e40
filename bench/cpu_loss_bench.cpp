// cpu_loss_bench: SAPO, PPO-clip, GSPO, CISPO and SAPO at sequence level (sapo_seq), float32,
// token-mean, at 4K, 256K and 4M tokens, on 1 and 2 threads (the same count on every side):
//   plugin/<loss>  one plugin call: loss, d loss / d log_prob and metrics in one fused pass;
//   eager/<loss>   the same loss as LibTorch eager ops, forward and backward (autograd);
//   memcpy_inputs  memcpy of the input bytes, the bound for a single pass over memory.
//
// bytes_per_second counts bytes read plus bytes written, for every variant:
//   plugin and eager: the 17 B/token a fused pass must move (bench_batch.hpp). Eager really moves
//     many times that through its temporaries; crediting it the same useful bytes makes the GB/s
//     ratio of plugin to eager equal to the speed-up.
//   memcpy: it copies the 13 B/token of inputs, so it reads 13 and writes 13 B/token and is
//     credited 26 B/token. Its GB/s is the machine's copy bandwidth; plugin GB/s / memcpy GB/s is
//     the fraction of that bandwidth the fused pass achieves (goal: >= 80% at 4M tokens).
//   short_rows/<loss>  the plugin call on 4M tokens in rows of 32 (131072 rows): what a pass
//     costs per row (each row is a segment of its own, with its own lane sums), and, past 8 MiB
//     of gradient, whatever the non-temporal stores cost per segment.
// The plugin also reads the mask once more to count tokens per sequence (aggregation weights);
// those bytes are not credited, nor the row pre-pass's second read of log_prob, old_log_prob and
// the mask for the sequence-level losses (gspo, sapo_seq): plugin/sapo against plugin/sapo_seq
// shows what the pre-pass costs, and that a token-level loss does not pay it.
//
// The instruction set of the plugin's kernel is picked once per process: run with
// RLLOSS_CPU_ISA=generic|avx2|avx512 to force one (it is reported in the context).
#include <benchmark/benchmark.h>
#include <omp.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <rlloss/registry.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench_batch.hpp"
#include "eager_losses.hpp"
#include "plugin_call.hpp"

namespace rlloss::bench {
namespace {

const std::vector<int64_t> kTokens = {4096, 262144, 4194304};
const std::vector<int64_t> kThreads = {1, 2};
constexpr int64_t kShortRowTokens = 32;

// Bytes per token of the memcpy bound: the inputs (log_prob, old_log_prob, advantages, mask).
constexpr int64_t kInputBytesPerToken = 4 + 4 + 4 + 1;

const Registry& registry() {
  static const Registry* loaded = [] {
    auto* r = new Registry();
    r->load_directory(RLLOSS_BENCH_PLUGIN_DIR);
    return r;
  }();
  return *loaded;
}

// A benchmarked variant: a plugin with some arguments set; token-mean throughout.
struct Variant {
  std::string label;
  std::string plugin;
  std::vector<std::pair<std::string, std::string>> args;
};

const std::vector<Variant>& variants() {
  static const std::vector<Variant> all = {
      {"sapo", "sapo", {}},
      {"ppo_clip", "ppo_clip", {}},
      {"gspo", "gspo", {{"loss_agg_mode", "token-mean"}}},
      {"cispo", "cispo", {}},
      {"sapo_seq", "sapo", {{"importance_sampling_level", "sequence"}}},
  };
  return all;
}

const Variant& variant(const std::string& label) {
  for (const auto& v : variants()) {
    if (v.label == label) return v;
  }
  throw std::invalid_argument("no benchmark variant " + label);
}

std::shared_ptr<Loss> make_loss(const std::string& label) {
  const Variant& v = variant(label);
  const auto plugin = registry().find(v.plugin);
  LossArgs args(plugin->table());
  for (const auto& [name, value] : v.args) args.set_string(name, value, "benchmark");
  args.apply_defaults();
  return registry().create(v.plugin, args);
}

torch::Tensor eager_loss(const std::string& label, const Loss& loss, const torch::Tensor& log_prob,
                         const torch::Tensor& old_log_prob, const torch::Tensor& advantages,
                         const torch::Tensor& mask) {
  const auto& args = loss.args();
  if (label == "sapo" || label == "sapo_seq") {
    const auto fn = label == "sapo" ? sapo_eager_loss : sapo_sequence_eager_loss;
    return fn(log_prob, old_log_prob, advantages, mask, args.number("tau_pos"),
              args.number("tau_neg"));
  }
  if (label == "gspo" || label == "cispo") {
    const auto fn = label == "gspo" ? gspo_eager_loss : cispo_eager_loss;
    return fn(log_prob, old_log_prob, advantages, mask, args.number("clip_ratio_low"),
              args.number("clip_ratio_high"));
  }
  return ppo_clip_eager_loss(log_prob, old_log_prob, advantages, mask,
                             args.number("clip_ratio_low"), args.number("clip_ratio_high"),
                             args.number("clip_ratio_c"));
}

// Not a test: guards against timing a misconfigured call. Compares with eager float64 autograd.
std::string mismatch(const std::string& name, const Loss& loss, const Batch& batch,
                     const PluginCall& call) {
  const torch::Tensor log_prob = batch.log_prob.to(torch::kFloat64).requires_grad_(true);
  const torch::Tensor expected =
      eager_loss(name, loss, log_prob, batch.old_log_prob.to(torch::kFloat64),
                 batch.advantages.to(torch::kFloat64), batch.mask);
  expected.backward();
  const torch::Tensor grad = call.grad().to(torch::kFloat64);
  if (!torch::allclose(call.loss().to(torch::kFloat64), expected.detach(), 1e-4, 1e-6)) {
    return "plugin loss " + std::to_string(call.loss().item<float>()) + " != eager " +
           std::to_string(expected.item<double>());
  }
  const double scale = log_prob.grad().abs().max().item<double>();
  if (!torch::allclose(grad, log_prob.grad(), 1e-3, 1e-4 * scale)) return "plugin grad differs";
  return "";
}

// `row_tokens`: tokens per row, or 0 for the kRows rows of make_batch.
void run_plugin(benchmark::State& state, const std::string& name, int64_t row_tokens) {
  const int64_t tokens = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const Batch batch = make_batch(tokens, row_tokens > 0 ? tokens / row_tokens : kRows);
  const std::shared_ptr<Loss> loss = make_loss(name);
  const PluginCall call(loss, batch, threads);
  call.run();
  const std::string error = mismatch(name, *loss, batch, call);
  if (!error.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  for (auto _ : state) {
    call.run();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * tokens * kFusedBytesPerToken);
  state.SetItemsProcessed(state.iterations() * tokens);
}

void run_eager(benchmark::State& state, const std::string& name) {
  const int64_t tokens = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  torch::set_num_threads(threads);
  const Batch batch = make_batch(tokens);
  const std::shared_ptr<Loss> loss = make_loss(name);
  torch::Tensor log_prob = batch.log_prob.clone().requires_grad_(true);
  for (auto _ : state) {
    log_prob.mutable_grad() = torch::Tensor();  // zero_grad(set_to_none=True)
    const torch::Tensor value =
        eager_loss(name, *loss, log_prob, batch.old_log_prob, batch.advantages, batch.mask);
    value.backward();
    benchmark::DoNotOptimize(log_prob.grad().data_ptr());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * tokens * kFusedBytesPerToken);
  state.SetItemsProcessed(state.iterations() * tokens);
}

void run_memcpy(benchmark::State& state) {
  const int64_t tokens = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const size_t bytes = static_cast<size_t>(tokens * kInputBytesPerToken);
  std::vector<char> source(bytes, 1);
  std::vector<char> destination(bytes, 0);  // touched, so no page faults in the timed loop
  // One contiguous slice per thread, 64-byte aligned boundaries.
  const size_t slice = (bytes / threads + 63) / 64 * 64;
  for (auto _ : state) {
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (int i = 0; i < threads; ++i) {
      const size_t begin = std::min(bytes, i * slice);
      const size_t end = std::min(bytes, begin + slice);
      std::memcpy(destination.data() + begin, source.data() + begin, end - begin);
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(2 * bytes));
  state.SetItemsProcessed(state.iterations() * tokens);
}

// The kernels the plugin's run-time dispatch picks (mirrors rlloss::kit::select_cpu_kernels).
std::string plugin_isa() {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("x86-64-v4");
  const bool avx2 = __builtin_cpu_supports("x86-64-v3");
  const char* forced = std::getenv("RLLOSS_CPU_ISA");
  const std::string choice = forced ? forced : "";
  if (choice == "generic") return "generic";
  if (choice == "avx2" && avx2) return "avx2";
  if ((choice.empty() || choice == "avx512") && avx512) return "avx512";
  return avx2 ? "avx2" : "generic";
}

void configure(benchmark::internal::Benchmark* b) {
  b->ArgsProduct({kTokens, kThreads})->ArgNames({"tokens", "threads"});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void register_all() {
  for (const Variant& v : variants()) {
    const std::string name = v.label;
    configure(benchmark::RegisterBenchmark(("plugin/" + name).c_str(), run_plugin, name, 0));
    configure(benchmark::RegisterBenchmark(("eager/" + name).c_str(), run_eager, name));
  }
  for (const Variant& v : variants()) {
    benchmark::RegisterBenchmark(("short_rows/" + v.label).c_str(), run_plugin, v.label,
                                 kShortRowTokens)
        ->Args({kTokens.back(), 1})
        ->ArgNames({"tokens", "threads"})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  configure(benchmark::RegisterBenchmark("memcpy_inputs", run_memcpy));
  benchmark::AddCustomContext("rlloss_cpu_isa", plugin_isa());
}

}  // namespace
}  // namespace rlloss::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  rlloss::bench::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
