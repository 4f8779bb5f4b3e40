// SIGINT and SIGTERM as a request to stop after the current step (and checkpoint), not a kill.
#pragma once

namespace rlloss::train {

// While an instance lives, the first SIGINT or SIGTERM is recorded instead of ending the process;
// a second one ends it as usual. The previous handlers come back when it is destroyed.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal received, or 0.
  static int received();
};

}  // namespace rlloss::train
