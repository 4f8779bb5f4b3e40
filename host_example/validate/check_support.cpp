#include "check_support.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace rlloss::validate {

std::string Variant::label() const {
  if (is_weights && dp) return "IS+DP";
  if (is_weights) return "IS";
  if (dp) return "DP";
  return "plain";
}

std::vector<Variant> all_variants() {
  return {{false, false}, {true, false}, {false, true}, {true, true}};
}

DpSettings dp_settings(const Batch& batch, const Variant& variant) {
  if (!variant.dp) return {};
  return {2 * batch.token_count() + 5, 2 * batch.sequence_count() + 1, 2};
}

uint64_t batch_seed(uint64_t seed, uint64_t check, uint64_t shape, uint64_t variant) {
  return seed * 1000003ULL + check * 10007ULL + shape * 101ULL + variant;
}

void WorstError::add(double error, const std::string& where) {
  if (std::isnan(error)) error = std::numeric_limits<double>::infinity();
  if (!seen_ || error > value_) {
    value_ = error;
    where_ = where;
    seen_ = true;
  }
}

std::string format_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

namespace {

// Enough digits to tell apart any two doubles.
std::string format_exact(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

void compare_values(const char* name, const std::vector<double>& a, const std::vector<double>& b,
                    BitwiseComparison& result) {
  if (a.size() != b.size()) {
    result.identical = false;
    result.max_difference = std::numeric_limits<double>::infinity();
    return;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::memcmp(&a[i], &b[i], sizeof(double)) == 0) continue;
    const double difference = std::isnan(a[i]) || std::isnan(b[i])
                                  ? std::numeric_limits<double>::infinity()
                                  : std::fabs(a[i] - b[i]);
    if (result.identical) {
      result.first_difference = std::string(name) + "[" + std::to_string(i) +
                                "]: " + format_exact(a[i]) + " vs " + format_exact(b[i]);
    }
    result.identical = false;
    // -0.0 against 0.0 differs in bits but not in value: count it as the smallest difference.
    result.max_difference = std::fmax(result.max_difference, difference > 0 ? difference : 1e-300);
  }
}

}  // namespace

BitwiseComparison compare_bitwise(const PluginOutput& a, const PluginOutput& b) {
  BitwiseComparison result;
  compare_values("loss", {a.loss}, {b.loss}, result);
  compare_values("grad", a.grad, b.grad, result);
  compare_values("metrics", a.metrics, b.metrics, result);
  return result;
}

RelativeComparison compare_relative(const PluginOutput& a, const PluginOutput& expected,
                                    int64_t cols) {
  RelativeComparison result;
  const auto add = [&](double value, double reference, double scale, const std::string& where) {
    const double error = std::isnan(value) != std::isnan(reference)
                             ? std::numeric_limits<double>::infinity()
                         : std::isnan(value) ? 0.0
                                             : std::fabs(value - reference) / scale;
    if (error > result.max_error || (std::isinf(error) && result.where.empty())) {
      result.max_error = error;
      result.where = where + ": " + format_exact(value) + " vs " + format_exact(reference);
    }
  };
  add(a.loss, expected.loss, std::fmax(std::fabs(expected.loss), 1e-12), "loss");
  double grad_scale = 1e-12;
  for (const double g : expected.grad) grad_scale = std::fmax(grad_scale, std::fabs(g));
  for (size_t i = 0; i < a.grad.size() && i < expected.grad.size(); ++i) {
    add(a.grad[i], expected.grad[i], grad_scale,
        "grad[" + std::to_string(static_cast<int64_t>(i) / cols) + ", " +
            std::to_string(static_cast<int64_t>(i) % cols) + "]");
  }
  for (size_t i = 0; i < a.metrics.size() && i < expected.metrics.size(); ++i) {
    add(a.metrics[i], expected.metrics[i], std::fmax(std::fabs(expected.metrics[i]), 1e-12),
        "metrics[" + std::to_string(i) + "]");
  }
  return result;
}

CheckResult make_result(const std::string& name, const Loss& loss, const WorstError& worst,
                        double tolerance, const std::string& covered) {
  CheckResult result;
  result.name = name;
  result.variant = configuration_label(loss);
  result.max_error = worst.value();
  result.tolerance = tolerance;
  result.passed = worst.value() <= tolerance;
  result.detail = result.passed ? covered : "worst: " + worst.where();
  return result;
}

CheckResult make_error_result(const std::string& name, const Loss& loss, const std::exception& e) {
  CheckResult result;
  result.name = name;
  result.variant = configuration_label(loss);
  result.max_error = std::numeric_limits<double>::infinity();
  result.passed = false;
  result.detail = e.what();
  return result;
}

}  // namespace rlloss::validate
