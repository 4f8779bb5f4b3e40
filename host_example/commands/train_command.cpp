// `host_example train`: GRPO training with the YAML's loss, on one process or data-parallel, with
// checkpoints and resumption.
#include <stdlib.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "atomic_file.hpp"
#include "checkpoint.hpp"
#include "commands.hpp"
#include "distributed.hpp"
#include "metrics_log.hpp"
#include "progress.hpp"
#include "run_fingerprint.hpp"
#include "run_setup.hpp"
#include "stop_signals.hpp"
#include "trainer.hpp"

namespace rlloss::host {

namespace {

namespace fs = std::filesystem;

// Mean of `name` over the last `count` steps of `history`.
double tail_mean(const std::vector<train::StepMetrics>& history, const std::string& name,
                 size_t count) {
  const size_t n = std::min(count, history.size());
  double sum = 0;
  for (size_t i = history.size() - n; i < history.size(); ++i) sum += history[i].get(name);
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

// The checkpoint `--resume` names, or nullopt for a new run.
std::optional<fs::path> checkpoint_to_resume(const std::string& resume, const fs::path& dir) {
  if (resume.empty()) return std::nullopt;
  if (resume == "auto") return train::latest_checkpoint(dir);
  if (fs::is_directory(resume)) {
    auto latest = train::latest_checkpoint(resume);
    if (!latest) throw std::runtime_error("--resume " + resume + ": no checkpoint in it");
    return latest;
  }
  if (!fs::is_regular_file(resume)) {
    throw std::runtime_error("--resume " + resume + ": no such checkpoint file or directory");
  }
  return fs::path(resume);
}

// Output paths are checked before the first step, so that a run does not compute for hours and
// then fail to save.
void check_outputs(const train::TrainConfig& config) {
  // Checkpoints are also written on SIGINT, so the directory must be usable in any case.
  train::check_writable_directory(config.checkpoint_dir);
  if (!config.save_params.empty()) {
    const fs::path parent = fs::path(config.save_params).parent_path();
    train::check_writable_directory(parent.empty() ? fs::path(".") : parent);
  }
}

int train_in_this_process(const CommonOptions& common, const TrainOptions& options,
                          train::DistOptions dist) {
  train::RunSetup setup = train::load_run(options.config_file, common.plugin_dirs, options.sets);
  train::TrainConfig& config = setup.config;
  if (options.seed) config.seed = *options.seed;
  if (options.steps) config.total_training_steps = *options.steps;
  if (options.metrics_file) config.metrics_file = *options.metrics_file;
  if (options.save_params) config.save_params = *options.save_params;
  if (options.checkpoint_dir) config.checkpoint_dir = *options.checkpoint_dir;
  if (options.checkpoint_interval) config.checkpoint_interval = *options.checkpoint_interval;
  train::check_train_config(config, dist.world_size);
  dist.timeout_s = config.dist_timeout_s;
  dist.join_timeout_s = config.dist_join_timeout_s;
  const bool lead = dist.rank == 0;
  if (lead) check_outputs(config);

  train::TrainerState state(config);
  train::CheckpointExtras resumed;
  const std::string description = train::describe_run(config, setup.loss_mode, setup.loss_args);
  std::string run_identity = description;
  const std::optional<fs::path> resume_from =
      checkpoint_to_resume(options.resume, config.checkpoint_dir);
  if (resume_from) {
    resumed = train::read_checkpoint(*resume_from, state);
    // A resumed run may go on for more steps; anything else must be what the checkpoint ran.
    const auto differences = train::describe_differences(resumed.fingerprint, description,
                                                         {"trainer.total_training_steps"});
    if (!differences.empty()) {
      throw std::runtime_error(
          "cannot resume from " + resume_from->string() +
          ": the configuration differs (checkpoint vs now): " + train::join(differences, ", "));
    }
    if (state.steps_done >= config.total_training_steps) {
      throw std::runtime_error(resume_from->string() + " is at step " +
                               std::to_string(state.steps_done) +
                               ", not before trainer.total_training_steps (" +
                               std::to_string(config.total_training_steps) + ")");
    }
    run_identity += "resume.checkpoint=" + resumed.digest + "\n";
  } else if (lead && !options.resume.empty()) {
    std::fprintf(stderr, "train: no checkpoint in %s; starting from step 1\n",
                 config.checkpoint_dir.c_str());
  }

  std::unique_ptr<train::Communicator> comm = train::make_communicator(dist);
  comm->check_same_run(run_identity);
  std::optional<train::MetricsLog> metrics_log;
  std::optional<train::Progress> progress;
  if (lead) {
    if (!config.metrics_file.empty()) {
      metrics_log.emplace(config.metrics_file, resumed.metrics_bytes, config.log_timing);
    }
    std::fprintf(stderr,
                 "train: loss_mode %s, %d process(es), %lld steps x %lld prompts x %lld "
                 "responses, seed %llu%s\n",
                 setup.loss_mode.c_str(), dist.world_size,
                 static_cast<long long>(config.total_training_steps),
                 static_cast<long long>(config.train_batch_size),
                 static_cast<long long>(config.rollout_n),
                 static_cast<unsigned long long>(config.seed),
                 resume_from ? (", resuming after step " + std::to_string(state.steps_done) +
                                " from " + resume_from->string())
                                   .c_str()
                             : "");
    progress.emplace(setup.loss_mode, config.total_training_steps, config.log_interval, stderr);
  }

  fs::path last_checkpoint;
  train::RunControl control;
  control.on_step = [&](int64_t step, const train::StepMetrics& metrics) {
    if (metrics_log) metrics_log->write(metrics);
    if (progress) progress->update(step, metrics);
  };
  control.save_checkpoint = [&](const train::TrainerState& s) {
    train::CheckpointExtras extras;
    extras.metrics_bytes = metrics_log ? metrics_log->bytes() : 0;
    extras.fingerprint = description;
    fs::create_directories(config.checkpoint_dir);
    last_checkpoint = train::checkpoint_path(config.checkpoint_dir, s.steps_done);
    train::write_checkpoint(last_checkpoint, s, extras);
    train::remove_old_checkpoints(config.checkpoint_dir, config.checkpoints_to_keep);
  };
  train::StopSignals stop_signals;
  control.stop_requested = [] { return train::StopSignals::received(); };
  const train::TrainResult result = train::train_policy(config, *setup.loss, *comm, state, control);
  progress.reset();

  if (!lead) return 0;  // a rank that stopped with the others on a signal has done its part
  if (!config.save_params.empty()) {
    const fs::path parent = fs::path(config.save_params).parent_path();
    if (!parent.empty()) fs::create_directories(parent);
    std::ostringstream bytes;
    torch::save(result.parameters, bytes);
    train::write_file_atomically(config.save_params, bytes.str());
  }
  if (result.stop_signal != 0) {
    std::fprintf(stderr,
                 "train: stopped by signal %d after step %lld; checkpoint %s; continue with "
                 "--resume auto\n",
                 result.stop_signal, static_cast<long long>(state.steps_done),
                 last_checkpoint.c_str());
    return 128 + result.stop_signal;
  }
  const auto& history = result.history;
  std::printf(
      "reward: %.3f at step 1 -> %.3f (mean of the last 10 steps); exact answers %.2f -> %.2f\n"
      "time: %.1f s wall, %.1f s CPU (rank 0)%s%s\n",
      history.front().get("reward/mean"), tail_mean(history, "reward/mean", 10),
      history.front().get("reward/exact_frac"), tail_mean(history, "reward/exact_frac", 10),
      result.wall_s, result.cpu_s, config.metrics_file.empty() ? "" : "; metrics in ",
      config.metrics_file.c_str());
  return 0;
}

// Runs this process's part and turns any failure into a message and an exit code. After a
// distributed failure the process group may still hold Gloo's threads and sockets in a broken
// state; the process ends here without tearing them down (nothing is left to save: checkpoints
// and metrics lines are already on disk).
int run_rank(const CommonOptions& common, const TrainOptions& options,
             const train::DistOptions& dist) {
  try {
    return train_in_this_process(common, options, dist);
  } catch (const train::DistributedError& e) {
    std::fprintf(stderr, "train (rank %d): %s\n", dist.rank, e.what());
    if (dist.rank != 0 || options.rank >= 0) {
      std::fflush(nullptr);
      std::_Exit(1);
    }
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train (rank %d): %s\n", dist.rank, e.what());
    return 1;
  }
}

// A private directory for the ranks' FileStore (mode 0700), removed after the run.
fs::path make_store_dir() {
  std::string pattern = (fs::temp_directory_path() / "rlloss-rendezvous-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a rendezvous directory in " +
                             fs::temp_directory_path().string());
  }
  return pattern;
}

}  // namespace

int run_train(const CommonOptions& common, const TrainOptions& options) {
  // A write to a peer that died raises SIGPIPE, whose default action kills this process without a
  // word (Gloo does not always send with MSG_NOSIGNAL); ignored, the write fails and Gloo throws,
  // so the error names the rank that went away.
  std::signal(SIGPIPE, SIG_IGN);
  train::DistOptions dist;
  if (options.rank >= 0) {
    dist.rank = options.rank;
    dist.world_size = options.world_size;
    dist.master_addr = options.master_addr;
    dist.master_port = options.master_port > 0 ? options.master_port : 29500;
    return run_rank(common, options, dist);
  }
  if (options.nproc < 1) throw std::invalid_argument("--nproc must be at least 1");
  if (options.master_port > 0 || options.master_addr != "127.0.0.1") {
    throw std::invalid_argument(
        "--master-addr and --master-port are for --rank runs; --nproc stays on this machine "
        "(a private rendezvous directory and Gloo on 127.0.0.1)");
  }
  dist.world_size = options.nproc;
  if (options.nproc == 1) return run_rank(common, options, dist);

  const fs::path store_dir = make_store_dir();
  dist.store_dir = store_dir.string();
  // Fork before anything creates LibTorch's or OpenMP's threads.
  dist.rank = train::fork_workers(options.nproc);
  const int code = run_rank(common, options, dist);
  if (dist.rank != 0) {
    std::fflush(nullptr);
    std::_Exit(code > 128 ? 0 : code);  // a rank stopped on a signal with the others is no failure
  }
  // The ranks end together; 30 s is ample for the children to exit after rank 0.
  const int run_code = train::finish_workers(code, 30.0);
  std::error_code ec;
  fs::remove_all(store_dir, ec);
  return run_code;
}

}  // namespace rlloss::host
