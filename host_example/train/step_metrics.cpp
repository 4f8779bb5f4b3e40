#include "step_metrics.hpp"

namespace rlloss::train {

void StepMetrics::set(const std::string& name, double value) {
  for (auto& entry : entries_) {
    if (entry.first == name) {
      entry.second = value;
      return;
    }
  }
  entries_.emplace_back(name, value);
}

double StepMetrics::get(const std::string& name, double fallback) const {
  for (const auto& entry : entries_) {
    if (entry.first == name) return entry.second;
  }
  return fallback;
}

}  // namespace rlloss::train
