// Runs a launch's blocks on the calling host thread: each CUDA thread of a block is a fiber, and
// the scheduler resumes them in a seeded random order, one at a time, until each reaches a
// barrier, a warp operation or its end. Faults found on the way end the launch with a report.
#pragma once

#include <cstdint>
#include <functional>
#include <rlloss/interp/runtime.hpp>
#include <string>

namespace rlloss::interp {

struct GridCounts {
  uint64_t blocks = 0;
  uint64_t threads = 0;
};

// Runs every block of `request`, each thread calling `body`. Returns the first fault's report
// (naming kernel, block, threads and place), or an empty string.
std::string run_grid(const LaunchRequest& request, const std::function<void()>& body, uint64_t seed,
                     GridCounts* counts);

}  // namespace rlloss::interp
