#include "plot.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>

namespace rlloss::train {

namespace {

std::string quoted(const std::string& text) {
  return "'" + text + "'";
}

}  // namespace

std::string plot_curves(const std::vector<Curve>& curves, const std::filesystem::path& data_file,
                        const std::filesystem::path& script_file,
                        const std::filesystem::path& png_file) {
  {
    std::ofstream data(data_file);
    data << "# step";
    for (const auto& c : curves) data << " reward_" << c.label << " kl_" << c.label;
    data << "\n";
    size_t steps = 0;
    for (const auto& c : curves) steps = std::max(steps, c.reward.size());
    for (size_t s = 0; s < steps; ++s) {
      data << s + 1;
      for (const auto& c : curves) {
        if (s < c.reward.size()) {
          data << " " << c.reward[s] << " " << c.kl[s];
        } else {
          data << " NaN NaN";
        }
      }
      data << "\n";
    }
    if (!data) return "cannot write " + data_file.string();
  }
  {
    std::ofstream script(script_file);
    // noenhanced: labels such as ppo_clip are text, not subscripts.
    script << "set terminal png size 1000,800 noenhanced\n"
           << "set output " << quoted(png_file.string()) << "\n"
           << "set multiplot layout 2,1\n"
           << "set grid\nset key bottom right\nset xlabel 'step'\n"
           << "set ylabel 'reward (mean over seeds)'\nset yrange [0:1]\n"
           << "plot ";
    for (size_t i = 0; i < curves.size(); ++i) {
      script << (i ? ", " : "") << quoted(data_file.string()) << " using 1:" << 2 + 2 * i
             << " with lines lw 2 title " << quoted(curves[i].label);
    }
    script << "\nset ylabel 'KL(old || new), per update'\nset autoscale y\nset key top right\n"
           << "plot ";
    for (size_t i = 0; i < curves.size(); ++i) {
      script << (i ? ", " : "") << quoted(data_file.string()) << " using 1:" << 3 + 2 * i
             << " with lines lw 2 title " << quoted(curves[i].label);
    }
    script << "\nunset multiplot\n";
    if (!script) return "cannot write " + script_file.string();
  }
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) {
    return "gnuplot is not installed (apt-get install gnuplot-nox, or run scripts/setup.sh); "
           "the curves are in " +
           data_file.string() + " and the script in " + script_file.string();
  }
  const std::string command = "gnuplot " + quoted(script_file.string());
  if (std::system(command.c_str()) != 0) return "gnuplot failed on " + script_file.string();
  return "";
}

}  // namespace rlloss::train
