// Check (5): what every policy-gradient loss shares, whatever its formula. On policy (log_prob ==
// old_log_prob, ratio 1) the gradient of a token is -A times its IS weight times the weight its
// aggregation mode gives it; masked tokens get 0. A plugin that writes nothing, skips tokens,
// ignores the mask, the IS weights or the DP normalisers cannot pass, even if its gradient agrees
// with finite differences of its own loss.
//   Aggregation weight of token (b, t), dp = dp_size, N_tok / N_seq the global counts when given:
//     token-mean dp / N_tok; token-sum dp; seq-mean-token-sum dp / N_seq;
//     seq-mean-token-mean dp / (N_seq (len_b + 1e-8)); seq-mean-token-sum-norm
//     dp / (N_seq loss_scale_factor) (T when 0). A plugin without loss_agg_mode is token-mean.
//   Error: max |grad - expected| / max |expected|; tolerance 1e-9.
#include <algorithm>
#include <cmath>
#include <limits>

#include "check_support.hpp"

namespace rlloss::validate {
namespace {

struct Aggregation {
  std::string mode = "token-mean";
  double scale = 0;  // loss_scale_factor; 0: T
};

Aggregation aggregation_of(const Loss& loss) {
  Aggregation aggregation;
  if (const auto* mode = loss.args().find("loss_agg_mode")) aggregation.mode = mode->string;
  if (const auto* scale = loss.args().find("loss_scale_factor")) {
    aggregation.scale = scale->number;
  }
  return aggregation;
}

// The aggregation weight of each row's tokens.
std::vector<double> row_weights(const Aggregation& aggregation, const Batch& batch,
                                const DpSettings& dp) {
  const double tokens =
      static_cast<double>(dp.global_token_count >= 0 ? dp.global_token_count : batch.token_count());
  const double sequences =
      static_cast<double>(dp.global_seq_count >= 0 ? dp.global_seq_count : batch.sequence_count());
  const double scale = aggregation.scale > 0 ? aggregation.scale : static_cast<double>(batch.cols);
  const double dp_size = static_cast<double>(dp.dp_size);
  std::vector<double> weights(static_cast<size_t>(batch.rows), 0.0);
  for (int64_t b = 0; b < batch.rows; ++b) {
    double length = 0;
    for (int64_t t = 0; t < batch.cols; ++t) length += batch.mask[b * batch.cols + t] != 0;
    const std::string& mode = aggregation.mode;
    double weight = std::numeric_limits<double>::quiet_NaN();
    if (mode == "token-mean") weight = tokens > 0 ? dp_size / tokens : 0;
    if (mode == "token-sum") weight = dp_size;
    if (mode == "seq-mean-token-sum") weight = sequences > 0 ? dp_size / sequences : 0;
    if (mode == "seq-mean-token-mean") {
      weight = sequences > 0 ? dp_size / (sequences * (length + 1e-8)) : 0;
    }
    if (mode == "seq-mean-token-sum-norm") {
      weight = sequences > 0 ? dp_size / (sequences * scale) : 0;
    }
    weights[static_cast<size_t>(b)] = weight;
  }
  return weights;
}

}  // namespace

CheckResult check_on_policy_gradient(const Loss& loss, const CheckOptions& options) {
  const char* name = "on-policy-grad";
  constexpr double kTolerance = 1e-9;
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{5, 17}, {12, 64}};
  const Aggregation aggregation = aggregation_of(loss);
  WorstError worst;
  try {
    const auto variants = all_variants();
    for (size_t s = 0; s < shapes.size(); ++s) {
      for (size_t v = 0; v < variants.size(); ++v) {
        Batch batch = make_batch(shapes[s].first, shapes[s].second, variants[v].is_weights,
                                 batch_seed(options.seed, 6, s, v));
        batch.log_prob = batch.old_log_prob;
        const DpSettings dp = dp_settings(batch, variants[v]);
        const PluginOutput out = run_plugin(loss, batch, dp);
        const std::vector<double> weights = row_weights(aggregation, batch, dp);
        double scale = 0;
        double largest = 0;
        size_t at = 0;
        double expected_at = 0;
        for (int64_t i = 0; i < batch.size(); ++i) {
          const bool in = batch.mask[static_cast<size_t>(i)] != 0;
          const double is_weight = batch.has_is_weights() ? batch.is_weights[i] : 1.0;
          const double expected =
              in ? -batch.advantages[i] * is_weight * weights[i / batch.cols] : 0.0;
          scale = std::max(scale, std::fabs(expected));
          double difference = std::fabs(out.grad[i] - expected);
          if (std::isnan(difference)) difference = std::numeric_limits<double>::infinity();
          if (difference > largest || (i == 0 && difference >= largest)) {
            largest = difference;
            at = static_cast<size_t>(i);
            expected_at = expected;
          }
        }
        const std::string where =
            variants[v].label() + " " + batch.shape() + ", " + aggregation.mode + ": grad[" +
            std::to_string(at / batch.cols) + ", " + std::to_string(at % batch.cols) + "] " +
            format_value(out.grad[at]) + ", expected -A w = " + format_value(expected_at) +
            (batch.mask[at] != 0 ? "" : " (masked)");
        worst.add(scale > 0 ? largest / scale : largest, where);
      }
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  return make_result(
      name, loss, worst, kTolerance,
      "-A x IS weight x aggregation weight at ratio 1; plain, IS, DP, IS+DP, 2 shapes");
}

}  // namespace rlloss::validate
