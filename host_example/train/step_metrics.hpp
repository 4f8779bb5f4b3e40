// One training step's metrics, in the order they are written.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rlloss::train {

class StepMetrics {
 public:
  void set(const std::string& name, double value);
  // The value of `name`, or `fallback` when it was never set.
  double get(const std::string& name, double fallback = 0.0) const;
  const std::vector<std::pair<std::string, double>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, double>> entries_;
};

}  // namespace rlloss::train
