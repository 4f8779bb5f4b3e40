// `host_example compare A.yaml B.yaml [C.yaml ...]`: every config trained with the same seeds and
// data, a side-by-side table and reward/KL curves drawn by gnuplot.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "commands.hpp"
#include "compare.hpp"
#include "metrics_log.hpp"
#include "plot.hpp"
#include "progress.hpp"
#include "run_setup.hpp"
#include "trainer.hpp"

namespace rlloss::host {

namespace {

struct Side {
  std::string label;
  std::vector<train::RunSummary> runs;  // one per seed
  train::Curve curve;
};

std::string join_steps(const std::vector<train::RunSummary>& runs) {
  std::string text;
  int reached = 0;
  double sum = 0;
  for (const auto& r : runs) {
    if (!text.empty()) text += ",";
    text += r.steps_to_threshold < 0 ? "never" : std::to_string(r.steps_to_threshold);
    if (r.steps_to_threshold >= 0) {
      ++reached;
      sum += static_cast<double>(r.steps_to_threshold);
    }
  }
  if (runs.size() > 1 && reached > 0) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), " (mean %.0f of %d)", sum / reached, reached);
    text += buffer;
  }
  return text;
}

std::vector<double> pick(const std::vector<train::RunSummary>& runs,
                         double train::RunSummary::*field) {
  std::vector<double> values;
  for (const auto& r : runs) values.push_back(r.*field);
  return values;
}

}  // namespace

int run_compare(const CommonOptions& common, const CompareOptions& options) {
  using train::mean_and_spread;
  std::filesystem::create_directories(options.out_dir);
  const std::vector<std::filesystem::path>& files = options.configs;
  if (files.size() < 2) throw std::invalid_argument("compare needs two or more trainer YAMLs");
  std::vector<Side> sides(files.size());
  std::vector<uint64_t> seeds = options.seeds;
  double threshold = 0;
  bool distinct = true;
  for (size_t i = 0; i < files.size(); ++i) {
    train::RunSetup setup = train::load_run(files[i], common.plugin_dirs, {});
    if (i == 0) {
      if (seeds.empty()) seeds.push_back(setup.config.seed);
      threshold = setup.config.reward_threshold;  // one threshold for every side
    }
    sides[i].label = setup.loss_mode;
    for (size_t j = 0; j < i; ++j) distinct &= sides[j].label != sides[i].label;
  }
  // Labels name the loss_mode, or the files when two configs share one.
  if (!distinct) {
    for (size_t i = 0; i < files.size(); ++i) sides[i].label = files[i].stem().string();
  }

  for (size_t i = 0; i < files.size(); ++i) {
    Side& side = sides[i];
    for (const uint64_t seed : seeds) {
      train::RunSetup setup = train::load_run(files[i], common.plugin_dirs, {});
      train::TrainConfig& config = setup.config;
      config.seed = seed;
      if (options.steps) config.total_training_steps = *options.steps;
      config.metrics_file.clear();
      const std::filesystem::path metrics =
          options.out_dir / (side.label + "_seed" + std::to_string(seed) + ".jsonl");
      train::MetricsLog log(metrics, 0, config.log_timing);
      std::unique_ptr<train::Communicator> comm = train::make_communicator({});
      train::TrainResult result;
      {
        train::Progress progress(side.label + " seed " + std::to_string(seed),
                                 config.total_training_steps, config.log_interval, stderr);
        result = train::train_policy(config, *setup.loss, *comm,
                                     [&](int64_t step, const train::StepMetrics& m) {
                                       log.write(m);
                                       progress.update(step, m);
                                     });
      }
      side.runs.push_back(train::summarise_run(result.history, threshold, result.wall_s));
      const size_t steps = result.history.size();
      side.curve.label = side.label;
      side.curve.reward.resize(steps, 0.0);
      side.curve.kl.resize(steps, 0.0);
      for (size_t s = 0; s < steps; ++s) {
        side.curve.reward[s] += result.history[s].get("reward/mean") / seeds.size();
        side.curve.kl[s] += result.history[s].get("actor/kl_old_new") / seeds.size();
      }
    }
  }

  std::string seed_text;
  for (const uint64_t s : seeds) seed_text += (seed_text.empty() ? "" : ",") + std::to_string(s);
  std::printf(
      "compare: %zu seed(s) (%s), same prompts and sampling uniforms per seed; values are "
      "mean ± std over seeds\n\n",
      seeds.size(), seed_text.c_str());
  // Padded by characters shown, not bytes ("±" takes two bytes).
  const auto pad = [](const std::string& text, size_t width) {
    size_t shown = 0;
    for (const char c : text) shown += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return text + std::string(width > shown ? width - shown : 0, ' ');
  };
  const auto row = [&](const std::string& name, const std::vector<std::string>& cells) {
    std::string line = "  " + pad(name, 28);
    for (const auto& cell : cells) line += " " + pad(cell, 22);
    std::printf("%s\n", line.c_str());
  };
  const auto each = [&](auto cell) {
    std::vector<std::string> cells;
    for (const Side& side : sides) cells.push_back(cell(side));
    return cells;
  };
  const auto stat = [&](double train::RunSummary::*field, int digits) {
    return each([&](const Side& side) { return mean_and_spread(pick(side.runs, field), digits); });
  };
  row("", each([](const Side& side) { return side.label; }));
  row("reward at step 1", stat(&train::RunSummary::first_reward, 3));
  row("final reward (last 10)", stat(&train::RunSummary::final_reward, 3));
  row("final exact answers", stat(&train::RunSummary::final_exact, 3));
  char threshold_name[64];
  std::snprintf(threshold_name, sizeof(threshold_name), "steps to reward >= %.2f", threshold);
  row(threshold_name, each([](const Side& side) { return join_steps(side.runs); }));
  row("mean KL(old||new)", stat(&train::RunSummary::mean_kl, 5));
  row("wall time per run (s)", stat(&train::RunSummary::wall_s, 1));

  std::vector<train::Curve> curves;
  for (const Side& side : sides) curves.push_back(side.curve);
  const std::filesystem::path png = options.out_dir / "compare.png";
  const std::string error = train::plot_curves(curves, options.out_dir / "curves.dat",
                                               options.out_dir / "curves.gnuplot", png);
  std::printf("\nmetrics per step: %s/<label>_seed<N>.jsonl\n", options.out_dir.c_str());
  if (!error.empty()) {
    std::fprintf(stderr, "compare: no plot: %s\n", error.c_str());
    return 0;
  }
  std::printf("plot: %s (top: reward, bottom: KL between the sampling and the updated policy)\n",
              png.c_str());
  return 0;
}

}  // namespace rlloss::host
