// Check (3): results bit-identical at 1 and N threads, on a batch big enough (over 50k tokens,
// rows not a multiple of any chunk) that a plugin splits its work.
#include "check_support.hpp"

namespace rlloss::validate {

CheckResult check_thread_invariance(const Loss& loss, const CheckOptions& options) {
  const char* name = "threads-1-vs-N";
  constexpr int64_t kRows = 96;
  constexpr int64_t kCols = 1111;  // 106,656 tokens
  WorstError worst;
  try {
    const auto variants = all_variants();
    for (size_t v = 0; v < variants.size(); ++v) {
      const Batch batch =
          make_batch(kRows, kCols, variants[v].is_weights, batch_seed(options.seed, 3, 0, v));
      const DpSettings dp = dp_settings(batch, variants[v]);
      const auto comparison = compare_bitwise(run_plugin(loss, batch, dp, options.threads),
                                              run_plugin(loss, batch, dp, 1));
      worst.add(comparison.max_difference, variants[v].label() + " " + batch.shape() + " " +
                                               comparison.first_difference + " (" +
                                               std::to_string(options.threads) + " vs 1 threads)");
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  return make_result(name, loss, worst, 0.0,
                     "1 vs " + std::to_string(options.threads) + " threads on " +
                         std::to_string(kRows * kCols) + " tokens x 4 variants: bit-identical");
}

}  // namespace rlloss::validate
