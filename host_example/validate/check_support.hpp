// What the checks share: the input variants, the DP settings of a variant, tracking the worst
// error, bitwise comparison of outputs.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "batch.hpp"
#include "checks.hpp"
#include "plugin_call.hpp"

namespace rlloss::validate {

struct Variant {
  bool is_weights = false;
  bool dp = false;  // global counts of a larger (two-rank) batch and dp_size 2
  std::string label() const;
};

// plain, IS, DP, IS+DP.
std::vector<Variant> all_variants();

// Local counts for a plain variant; for a DP one, counts as if another rank held more tokens.
DpSettings dp_settings(const Batch& batch, const Variant& variant);

// Seed of one (check, shape, variant) batch, so every batch differs but reruns repeat.
uint64_t batch_seed(uint64_t seed, uint64_t check, uint64_t shape, uint64_t variant);

// The largest error seen and where; NaN counts as infinitely large.
class WorstError {
 public:
  void add(double error, const std::string& where);
  double value() const { return value_; }
  const std::string& where() const { return where_; }

 private:
  double value_ = 0;
  std::string where_;
  bool seen_ = false;
};

// Max |a - b| over loss, grad and metrics (inf where one is NaN and the other not), and
// whether every value is bit-identical.
struct BitwiseComparison {
  bool identical = true;
  double max_difference = 0;
  std::string first_difference;  // "grad[12]: 0.1 vs 0.2"
};
BitwiseComparison compare_bitwise(const PluginOutput& a, const PluginOutput& b);

// The largest difference between `a` and `expected` relative to the size of each output: for the
// loss |a - e| / max(|e|, 1e-12), for the gradient max |a - e| / max(max |e|, 1e-12) over the
// elements, for each metric as for the loss. NaN against a number is infinite.
struct RelativeComparison {
  double max_error = 0;
  std::string where;  // "grad[3, 7]: 0.1 vs 0.2"
};
RelativeComparison compare_relative(const PluginOutput& a, const PluginOutput& expected,
                                    int64_t cols);

// A check result from the worst error against a tolerance (passed: error <= tolerance).
CheckResult make_result(const std::string& name, const Loss& loss, const WorstError& worst,
                        double tolerance, const std::string& covered);

// A failed result for a check that threw (a plugin refusing a valid call).
CheckResult make_error_result(const std::string& name, const Loss& loss, const std::exception& e);

std::string format_value(double value);

}  // namespace rlloss::validate
