// Check (7): a result depends on the inputs' values only, not on where they live or on what a
// buffer held before. (a) New values in the same buffers give the results of those values: a
// plugin that caches by address fails. (b) The inputs copied elsewhere and the first buffers
// overwritten with NaN give the first call's results bit for bit: a plugin that kept pointers from
// an earlier call and reads them fails.
#include "check_support.hpp"

namespace rlloss::validate {

CheckResult check_moved_inputs(const Loss& loss, const CheckOptions& options) {
  const char* name = "inputs-moved";
  WorstError worst;
  try {
    const auto variants = all_variants();
    for (size_t v = 0; v < variants.size(); ++v) {
      const Batch first =
          make_batch(7, 53, variants[v].is_weights, batch_seed(options.seed, 8, 0, v));
      const Batch second =
          make_batch(7, 53, variants[v].is_weights, batch_seed(options.seed, 8, 1, v));
      // The first batch's normalisers serve both: a DP variant's global counts exceed either.
      const DpSettings dp = dp_settings(first, variants[v]);

      PreparedCall call(loss, first, dp);
      const PluginOutput before = call.run();
      call.refill(second);
      // In this order: the refilled buffers' call must come right after the first call on them.
      const PluginOutput in_refilled = call.run();
      const PluginOutput in_fresh = PreparedCall(loss, second, dp).run();
      const auto refilled = compare_bitwise(in_refilled, in_fresh);
      worst.add(refilled.max_difference, variants[v].label() + " new values in the same buffers: " +
                                             refilled.first_difference + " (fresh buffers)");

      call.refill(first);
      PreparedCall moved(loss, first, dp);
      call.poison_inputs();
      const auto copied = compare_bitwise(moved.run(), before);
      worst.add(copied.max_difference, variants[v].label() +
                                           " inputs copied elsewhere, first buffers overwritten: " +
                                           copied.first_difference + " (before the move)");
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  return make_result(name, loss, worst, 0.0,
                     "moved inputs and refilled buffers x 4 variants: bit-identical");
}

}  // namespace rlloss::validate
