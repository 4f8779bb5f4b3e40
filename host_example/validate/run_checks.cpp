#include <reference_loss.hpp>

#include "checks.hpp"

namespace rlloss::validate {

std::string configuration_label(const Loss& loss) {
  const auto* agg = loss.args().find("loss_agg_mode");
  std::string label = agg == nullptr || agg->spec->type != RLLOSS_ARG_STRING
                          ? "defaults"
                          : agg->string + (agg->given ? "" : " (default)");
  // The value validate chose for an argument without a default (dro_beta).
  for (const LossArg& arg : loss.args().entries()) {
    if (contract::is_required(*arg.spec)) label += ", " + arg.name() + "=" + arg.text();
  }
  return label;
}

std::vector<CheckResult> run_checks(const Loss& loss, const CheckOptions& options) {
  std::vector<CheckResult> results = {
      check_finite_differences(loss, options), check_masked_values(loss, options),
      check_thread_invariance(loss, options),  check_data_parallel_halves(loss, options),
      check_on_policy_gradient(loss, options), check_layouts(loss, options),
      check_moved_inputs(loss, options),
  };
  if (reference::has_reference(loss.name())) results.push_back(check_reference(loss, options));
  return results;
}

}  // namespace rlloss::validate
