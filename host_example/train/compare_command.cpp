// `host_example compare A.yaml B.yaml`: both configs trained with the same seeds and data, a
// side-by-side table and reward/KL curves drawn by gnuplot.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "../commands.hpp"
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
  std::vector<Side> sides(2);
  const std::filesystem::path files[2] = {options.config_a, options.config_b};
  std::vector<uint64_t> seeds = options.seeds;
  double threshold = 0;
  for (int i = 0; i < 2; ++i) {
    train::RunSetup setup = train::load_run(files[i], common.plugin_dirs, {});
    if (i == 0) {
      if (seeds.empty()) seeds.push_back(setup.config.seed);
      threshold = setup.config.reward_threshold;  // one threshold for both sides
    }
    sides[static_cast<size_t>(i)].label = setup.loss_mode;
  }
  if (sides[0].label == sides[1].label) {
    sides[0].label = files[0].stem().string();
    sides[1].label = files[1].stem().string();
  }

  for (int i = 0; i < 2; ++i) {
    Side& side = sides[static_cast<size_t>(i)];
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
  const auto row = [&](const std::string& name, const std::string& a, const std::string& b) {
    std::printf("  %s %s %s\n", pad(name, 28).c_str(), pad(a, 26).c_str(), pad(b, 26).c_str());
  };
  row("", sides[0].label, sides[1].label);
  row("reward at step 1", mean_and_spread(pick(sides[0].runs, &train::RunSummary::first_reward), 3),
      mean_and_spread(pick(sides[1].runs, &train::RunSummary::first_reward), 3));
  row("final reward (last 10)",
      mean_and_spread(pick(sides[0].runs, &train::RunSummary::final_reward), 3),
      mean_and_spread(pick(sides[1].runs, &train::RunSummary::final_reward), 3));
  row("final exact answers",
      mean_and_spread(pick(sides[0].runs, &train::RunSummary::final_exact), 3),
      mean_and_spread(pick(sides[1].runs, &train::RunSummary::final_exact), 3));
  char threshold_name[64];
  std::snprintf(threshold_name, sizeof(threshold_name), "steps to reward >= %.2f", threshold);
  row(threshold_name, join_steps(sides[0].runs), join_steps(sides[1].runs));
  row("mean KL(old||new)", mean_and_spread(pick(sides[0].runs, &train::RunSummary::mean_kl), 5),
      mean_and_spread(pick(sides[1].runs, &train::RunSummary::mean_kl), 5));
  row("wall time per run (s)", mean_and_spread(pick(sides[0].runs, &train::RunSummary::wall_s), 1),
      mean_and_spread(pick(sides[1].runs, &train::RunSummary::wall_s), 1));

  const std::filesystem::path png = options.out_dir / "compare.png";
  const std::string error =
      train::plot_curves({sides[0].curve, sides[1].curve}, options.out_dir / "curves.dat",
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
