// Shared by the plugin and binding suites: the registry of the built plugins, argument
// resolution, random [B, T] batches, one plugin call through the binding, tolerance checks.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <rlloss/registry.hpp>
#include <rlloss/torch_loss.hpp>
#include <string>
#include <utility>
#include <vector>

namespace rlloss::test {

inline const std::vector<std::string> kLossModes = {"sapo", "ppo_clip", "gspo",    "cispo",
                                                    "gpg",  "dro",      "dppo_tv", "dppo_kl"};
// The losses whose gradient is the derivative of their loss value: gspo, cispo and dppo hold
// factors constant under a stop-gradient (RLLOSS_PLUGIN_FLAG_SURROGATE_GRADIENT), so finite
// differences of their loss check them only where those factors are locally constant
// (sequence_level_test.cpp, surrogate_gradient_test.cpp).
inline const std::vector<std::string> kExactGradientLossModes = {"sapo", "ppo_clip", "gpg", "dro"};

// What resolve_args() gives an argument without a default (dro's dro_beta) unless overridden.
inline constexpr double kRequiredArgValue = 0.7;
inline const std::vector<std::string> kAggModes = {"token-mean", "token-sum", "seq-mean-token-sum",
                                                   "seq-mean-token-mean",
                                                   "seq-mean-token-sum-norm"};

// The plugins of this build (RLLOSS_TEST_PLUGIN_DIR), loaded once.
const Registry& plugin_registry();

// name -> value as text; numbers are parsed for FLOAT/INT/BOOL arguments.
using ArgList = std::vector<std::pair<std::string, std::string>>;

// Every declared argument of `loss_mode`: defaults (kRequiredArgValue for an argument without
// one), then `overrides`.
LossArgs resolve_args(const std::string& loss_mode, const ArgList& overrides = {});
std::shared_ptr<Loss> make_loss(const std::string& loss_mode, const ArgList& overrides = {});

enum class MaskKind { ragged_prefix, random_holes, full, empty };

struct BatchSpec {
  int64_t rows = 4;
  int64_t cols = 16;
  uint64_t seed = 1;
  torch::Dtype dtype = torch::kFloat64;
  torch::Dtype mask_dtype = torch::kBool;
  MaskKind mask = MaskKind::ragged_prefix;
  bool with_weights = false;
  bool zero_advantages = false;
  double log_ratio_std = 0.4;  // spread of log_prob - old_log_prob
};

// A random batch; for ragged masks, every third row (from row 1) is fully masked when rows >= 3.
LossInputs random_batch(const BatchSpec& spec);

// What one plugin call produced: loss (float64), d loss / d log_prob (float64) and the metrics.
struct PluginResult {
  torch::Tensor loss;
  torch::Tensor grad;
  std::map<std::string, double> metrics;
};

// Calls the plugin once through the autograd binding and takes the gradient with autograd.
PluginResult run_plugin(const Loss& loss, const LossInputs& inputs);

// max |actual - expected| <= tolerance * scale, reported with the worst element.
::testing::AssertionResult all_close(const torch::Tensor& actual, const torch::Tensor& expected,
                                     double tolerance, double scale);

// Infinity norm of a tensor as a double.
double max_abs(const torch::Tensor& t);

// The same tensor stored as a strided view: a column slice of a wider matrix (kind 0), a
// transpose of a [T, B] matrix (kind 1), every other column of a matrix twice as wide (kind 2).
torch::Tensor as_strided_layout(const torch::Tensor& t, int kind);

// The message of the RegistryError `body` throws ("" and a test failure when it does not).
template <class Body>
std::string error_message(Body&& body) {
  try {
    body();
  } catch (const RegistryError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a RegistryError";
  return "";
}

}  // namespace rlloss::test
