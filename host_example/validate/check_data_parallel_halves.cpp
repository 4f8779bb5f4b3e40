// Check (4): split a batch by rows into two "ranks", compute each with the whole batch's token and
// sequence counts and dp_size 2. What DDP all-reduces, the mean of the ranks' gradients (each
// scattered back to its rows), must equal the single-process gradient, and the mean of their
// losses the single-process loss.
//   Error: |mean - whole| / max(1, |whole loss|) for the loss, max |mean - whole| / max |whole
//   grad| for the gradient; tolerance 1e-9 (only the order of float64 sums differs).
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "check_support.hpp"

namespace rlloss::validate {

CheckResult check_data_parallel_halves(const Loss& loss, const CheckOptions& options) {
  const char* name = "dp-half-batches";
  constexpr double kTolerance = 1e-9;
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{6, 29}, {9, 50}, {16, 203}};
  WorstError worst;
  try {
    for (size_t s = 0; s < shapes.size(); ++s) {
      for (const bool is_weights : {false, true}) {
        const Batch whole = make_batch(shapes[s].first, shapes[s].second, is_weights,
                                       batch_seed(options.seed, 4, s, is_weights));
        const int64_t split = whole.rows / 2;
        const Batch halves[2] = {whole.row_slice(0, split), whole.row_slice(split, whole.rows)};
        const DpSettings global{whole.token_count(), whole.sequence_count(), 2};
        const PluginOutput expected = run_plugin(loss, whole);

        double mean_loss = 0;
        std::vector<double> mean_grad(expected.grad.size(), 0.0);
        size_t offset = 0;
        for (const Batch& half : halves) {
          const PluginOutput rank = run_plugin(loss, half, global);
          mean_loss += rank.loss / 2;
          for (size_t i = 0; i < rank.grad.size(); ++i) mean_grad[offset + i] = rank.grad[i] / 2;
          offset += rank.grad.size();
        }

        const std::string where = std::string(is_weights ? "IS" : "plain") + " " + whole.shape() +
                                  " split at row " + std::to_string(split);
        worst.add(std::fabs(mean_loss - expected.loss) / std::max(1.0, std::fabs(expected.loss)),
                  where + ": mean of ranks' losses " + format_value(mean_loss) + " vs whole " +
                      format_value(expected.loss));
        double grad_scale = 0;
        size_t worst_index = 0;
        double grad_difference = 0;
        for (size_t i = 0; i < mean_grad.size(); ++i) {
          grad_scale = std::max(grad_scale, std::fabs(expected.grad[i]));
          double difference = std::fabs(mean_grad[i] - expected.grad[i]);
          if (std::isnan(difference)) difference = std::numeric_limits<double>::infinity();
          if (difference > grad_difference) {
            grad_difference = difference;
            worst_index = i;
          }
        }
        worst.add(grad_scale > 0 ? grad_difference / grad_scale : grad_difference,
                  where + ": mean of ranks' grad[" + std::to_string(worst_index) + "] " +
                      format_value(mean_grad[worst_index]) + " vs whole " +
                      format_value(expected.grad[worst_index]));
      }
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  return make_result(name, loss, worst, kTolerance,
                     "2 ranks, global counts, dp_size 2, with and without IS, 3 shapes");
}

}  // namespace rlloss::validate
