#include "stop_signals.hpp"

#include <csignal>

namespace rlloss::train {

namespace {

volatile std::sig_atomic_t g_received = 0;
struct sigaction g_previous_int;
struct sigaction g_previous_term;

void record(int signal) {
  g_received = signal;
}

}  // namespace

StopSignals::StopSignals() {
  g_received = 0;
  struct sigaction action {};
  action.sa_handler = record;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the second signal finds the default action and ends the process.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int StopSignals::received() {
  return g_received;
}

}  // namespace rlloss::train
