// Reward and KL curves of a comparison, drawn into a PNG by gnuplot.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace rlloss::train {

struct Curve {
  std::string label;
  std::vector<double> reward;  // per step, mean over seeds
  std::vector<double> kl;
};

// Writes `data_file` (step, then reward and KL of each curve) and `script_file`, then runs
// gnuplot to draw `png_file`. Returns an empty string on success, else what went wrong (e.g.
// gnuplot is not installed); the data and script are written either way.
std::string plot_curves(const std::vector<Curve>& curves, const std::filesystem::path& data_file,
                        const std::filesystem::path& script_file,
                        const std::filesystem::path& png_file);

}  // namespace rlloss::train
