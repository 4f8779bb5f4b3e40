// A run's defining settings as text, for the checks that two things are the same run: ranks at
// start-up, a checkpoint and the run resuming from it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "train_config.hpp"

namespace rlloss::train {

// "key=value" lines sorted by key: loss.loss_mode and loss.<argument> for each resolved loss
// argument, then every trainer setting that changes what the run computes (model, batch sizes,
// optimiser, seed, task, steps, deadline). Output paths, logging and thread counts are left out.
std::string describe_run(const TrainConfig& config, const std::string& loss_mode,
                         const std::vector<std::pair<std::string, std::string>>& loss_args);

// Each key whose value differs between two describe_run() texts, as "key (A vs B)", a missing key
// as "<absent>"; keys listed in `ignored` are skipped.
std::vector<std::string> describe_differences(const std::string& a, const std::string& b,
                                              const std::vector<std::string>& ignored = {});

// "a, b, c"
std::string join(const std::vector<std::string>& parts, const std::string& separator = ", ");

}  // namespace rlloss::train
