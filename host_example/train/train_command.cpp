// `host_example train`: GRPO training with the YAML's loss, on one process or data-parallel.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

#include "../commands.hpp"
#include "distributed.hpp"
#include "metrics_log.hpp"
#include "model.hpp"
#include "progress.hpp"
#include "run_setup.hpp"
#include "trainer.hpp"

namespace rlloss::host {

namespace {

// Mean of `name` over the last `count` steps of `history`.
double tail_mean(const std::vector<train::StepMetrics>& history, const std::string& name,
                 size_t count) {
  const size_t n = std::min(count, history.size());
  double sum = 0;
  for (size_t i = history.size() - n; i < history.size(); ++i) sum += history[i].get(name);
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

int train_in_this_process(const CommonOptions& common, const TrainOptions& options,
                          const train::DistOptions& dist) {
  train::RunSetup setup = train::load_run(options.config_file, common.plugin_dirs, options.sets);
  train::TrainConfig& config = setup.config;
  if (options.seed) config.seed = *options.seed;
  if (options.steps) config.total_training_steps = *options.steps;
  if (options.metrics_file) config.metrics_file = *options.metrics_file;
  if (options.save_params) config.save_params = *options.save_params;
  train::check_train_config(config, dist.world_size);

  std::unique_ptr<train::Communicator> comm = train::make_communicator(dist);
  const bool lead = comm->rank() == 0;
  std::optional<train::MetricsLog> metrics_log;
  std::optional<train::Progress> progress;
  if (lead) {
    if (!config.metrics_file.empty()) metrics_log.emplace(config.metrics_file);
    std::fprintf(stderr,
                 "train: loss_mode %s, %d process(es), %lld steps x %lld prompts x %lld "
                 "responses, seed %llu\n",
                 setup.loss_mode.c_str(), dist.world_size,
                 static_cast<long long>(config.total_training_steps),
                 static_cast<long long>(config.train_batch_size),
                 static_cast<long long>(config.rollout_n),
                 static_cast<unsigned long long>(config.seed));
    progress.emplace(setup.loss_mode, config.total_training_steps, config.log_interval, stderr);
  }
  const train::TrainResult result = train::train_policy(
      config, *setup.loss, *comm, [&](int64_t step, const train::StepMetrics& metrics) {
        if (metrics_log) metrics_log->write(metrics);
        if (progress) progress->update(step, metrics);
      });
  progress.reset();
  if (!lead) return 0;
  const auto& history = result.history;
  std::printf(
      "reward: %.3f at step 1 -> %.3f (mean of the last 10 steps); exact answers %.2f -> %.2f\n"
      "time: %.1f s wall, %.1f s CPU (rank 0)%s%s\n",
      history.front().get("reward/mean"), tail_mean(history, "reward/mean", 10),
      history.front().get("reward/exact_frac"), tail_mean(history, "reward/exact_frac", 10),
      result.wall_s, result.cpu_s, config.metrics_file.empty() ? "" : "; metrics in ",
      config.metrics_file.c_str());
  if (!config.save_params.empty()) torch::save(result.parameters, config.save_params);
  return 0;
}

}  // namespace

int run_train(const CommonOptions& common, const TrainOptions& options) {
  train::DistOptions dist;
  dist.master_addr = options.master_addr;
  if (options.rank >= 0) {
    dist.rank = options.rank;
    dist.world_size = options.world_size;
    dist.master_port = options.master_port > 0 ? options.master_port : 29500;
    return train_in_this_process(common, options, dist);
  }
  if (options.nproc < 1) throw std::invalid_argument("--nproc must be at least 1");
  dist.world_size = options.nproc;
  dist.master_port = options.master_port > 0 ? options.master_port : train::find_free_port();
  // Fork before anything creates LibTorch's or OpenMP's threads.
  dist.rank = train::fork_workers(options.nproc);
  int code = 1;
  try {
    code = train_in_this_process(common, options, dist);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train (rank %d): %s\n", dist.rank, e.what());
    code = 1;
  }
  if (dist.rank != 0) std::_Exit(code);
  if (options.nproc > 1 && !train::wait_for_workers()) {
    std::fprintf(stderr, "train: a worker process failed\n");
    return 1;
  }
  return code;
}

}  // namespace rlloss::host
