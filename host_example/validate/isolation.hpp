// Running a piece of work in a child process with a time and a memory limit, so that a plugin that
// crashes, calls exit(), hangs or allocates without bound fails its own checks, not the host.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace rlloss::validate {

struct IsolationLimits {
  double time_limit_s = 120;       // wall time of the child; then SIGKILL
  int64_t memory_limit_mb = 8192;  // address space of the child (RLIMIT_AS); 0: none
};

struct IsolatedResult {
  bool finished = false;  // the body returned and its output arrived whole
  std::string output;     // what the body returned (when finished)
  std::string failure;    // otherwise: "killed by signal 11 (Segmentation fault)", "timed out
                          // after 3 s", "exited with code 3 before it finished"
};

// Forks; the child applies the limits, runs `body` and sends back what it returns, then _exits.
// The caller must not have started threads it needs in the child (fork copies only the caller's).
// The memory limit is not applied in sanitizer builds (their shadow memory counts against it).
IsolatedResult run_isolated(const std::function<std::string()>& body,
                            const IsolationLimits& limits);

}  // namespace rlloss::validate
