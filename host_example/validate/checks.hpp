// The generic checks `host_example validate` runs on a plugin; none needs a reference of the loss
// except check_reference, which only the losses of rlloss::reference::has_reference have.
#pragma once

#include <cstdint>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

namespace rlloss::validate {

struct CheckResult {
  std::string name;     // which check, e.g. "gradient-vs-fd"
  std::string variant;  // the loss configuration, e.g. "token-mean (default)"
  double max_error = 0;
  double tolerance = 0;
  bool passed = false;
  std::string detail;  // what was covered, or where and how it failed
};

struct CheckOptions {
  uint64_t seed = 1234;
  int threads = 2;  // N of the 1-vs-N-threads check
};

// Each check covers every input variant (with and without rollout_is_weights, with and without
// DP normalisers: global counts and dp_size 2) on several shapes and reports the worst error.

// (1) d loss / d log_prob against central finite differences of the plugin's own loss.
CheckResult check_finite_differences(const Loss& loss, const CheckOptions& options);
// (2) NaN, +inf and -inf in masked slots of every input change nothing, bit for bit.
CheckResult check_masked_values(const Loss& loss, const CheckOptions& options);
// (3) Bit-identical results at 1 and options.threads threads on a batch of over 50k tokens.
CheckResult check_thread_invariance(const Loss& loss, const CheckOptions& options);
// (4) Two half-batches with the whole batch's counts and dp_size 2 average to the whole batch.
CheckResult check_data_parallel_halves(const Loss& loss, const CheckOptions& options);
// (5) On policy the gradient is -A x IS weight x the token's aggregation weight, for any
// policy-gradient loss: a plugin that skips tokens, the mask, the IS weights or the normalisers
// fails it even when its gradient matches its own loss.
CheckResult check_on_policy_gradient(const Loss& loss, const CheckOptions& options);
// (6) The same values in other layouts (strided, column-major, broadcast advantages, bool and
// float masks, float32) give the same results.
CheckResult check_layouts(const Loss& loss, const CheckOptions& options);
// (7) Results depend on the inputs' values only: not on pointers kept from an earlier call, nor
// on an address seen before.
CheckResult check_moved_inputs(const Loss& loss, const CheckOptions& options);
// (8) Loss, gradient and metrics against the float64 LibTorch reference of this loss_mode.
CheckResult check_reference(const Loss& loss, const CheckOptions& options);

// Every check that applies to `loss` ((8) only where a reference exists), in the order above.
std::vector<CheckResult> run_checks(const Loss& loss, const CheckOptions& options);

// "token-sum", "token-mean (default)", or "defaults" for a plugin without loss_agg_mode.
std::string configuration_label(const Loss& loss);

}  // namespace rlloss::validate
