// Check (5): loss, gradient and metrics of the plugin, called through the LibTorch binding
// (rlloss::compute_loss, gradient by backward), against the independent float64 LibTorch
// reference (rlloss::reference::reference_loss). Metrics are compared where both name them.
//   Error: |plugin - reference| / max(1, |reference|) for the loss and each metric,
//   max |plugin - reference| / max |reference| for the gradient; tolerance 1e-9.
#include <algorithm>
#include <cmath>
#include <reference_loss.hpp>
#include <rlloss/torch_loss.hpp>
#include <utility>

#include "check_support.hpp"

namespace rlloss::validate {
namespace {

constexpr double kTolerance = 1e-9;

torch::Tensor to_tensor(const std::vector<double>& values, const Batch& batch) {
  return torch::from_blob(const_cast<double*>(values.data()), {batch.rows, batch.cols},
                          torch::kFloat64)
      .clone();
}

LossInputs torch_inputs(const Batch& batch, const DpSettings& dp) {
  LossInputs inputs;
  inputs.log_prob = to_tensor(batch.log_prob, batch).requires_grad_(true);
  inputs.old_log_prob = to_tensor(batch.old_log_prob, batch);
  inputs.advantages = to_tensor(batch.advantages, batch);
  inputs.response_mask = torch::from_blob(const_cast<uint8_t*>(batch.mask.data()),
                                          {batch.rows, batch.cols}, torch::kUInt8)
                             .to(torch::kBool);
  if (batch.has_is_weights()) inputs.rollout_is_weights = to_tensor(batch.is_weights, batch);
  inputs.normalisers = {dp.global_token_count, dp.global_seq_count, dp.dp_size};
  return inputs;
}

double relative_to_one(double value, double reference) {
  return std::fabs(value - reference) / std::max(1.0, std::fabs(reference));
}

void compare_batch(const Loss& loss, const Batch& batch, const DpSettings& dp,
                   const std::string& label, WorstError& worst, size_t& metrics_compared) {
  const LossInputs inputs = torch_inputs(batch, dp);
  const reference::ReferenceResult expected =
      reference::reference_loss(loss.name(), loss.args(), inputs);
  const LossOutput actual = compute_loss(loss, inputs);
  const torch::Tensor grad = torch::autograd::grad({actual.loss}, {inputs.log_prob})[0];

  const std::string where = label + " " + batch.shape() + " ";
  const double actual_loss = actual.loss.item<double>();
  const double expected_loss = expected.loss.item<double>();
  worst.add(
      relative_to_one(actual_loss, expected_loss),
      where + "loss " + format_value(actual_loss) + " vs reference " + format_value(expected_loss));

  const torch::Tensor expected_grad = expected.grad.to(torch::kFloat64);
  const double grad_scale = expected_grad.abs().max().item<double>();
  const torch::Tensor difference = (grad.to(torch::kFloat64) - expected_grad).abs();
  const int64_t at = difference.flatten().argmax().item<int64_t>();
  const double grad_error = difference.flatten()[at].item<double>();
  worst.add(grad_scale > 0 ? grad_error / grad_scale : grad_error,
            where + "grad[" + std::to_string(at) + "] " +
                format_value(grad.flatten()[at].item<double>()) + " vs reference " +
                format_value(expected_grad.flatten()[at].item<double>()));

  metrics_compared = 0;
  for (const auto& [metric, expected_value] : expected.metrics) {
    const auto found = actual.metrics.find(metric);
    if (found == actual.metrics.end()) continue;
    ++metrics_compared;
    const double value = found->second.item<double>();
    worst.add(relative_to_one(value, expected_value), where + "metric " + metric + " " +
                                                          format_value(value) + " vs reference " +
                                                          format_value(expected_value));
  }
}

}  // namespace

CheckResult check_reference(const Loss& loss, const CheckOptions& options) {
  const char* name = "reference";
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{5, 13}, {8, 77}, {3, 300}};
  WorstError worst;
  size_t metrics_compared = 0;
  try {
    const auto variants = all_variants();
    for (size_t s = 0; s < shapes.size(); ++s) {
      for (size_t v = 0; v < variants.size(); ++v) {
        const Batch batch = make_batch(shapes[s].first, shapes[s].second, variants[v].is_weights,
                                       batch_seed(options.seed, 5, s, v));
        compare_batch(loss, batch, dp_settings(batch, variants[v]), variants[v].label(), worst,
                      metrics_compared);
      }
    }
  } catch (const std::exception& e) {
    return make_error_result(name, loss, e);
  }
  return make_result(name, loss, worst, kTolerance,
                     "loss, grad and " + std::to_string(metrics_compared) +
                         " metrics vs LibTorch float64 over 4 variants x 3 shapes");
}

}  // namespace rlloss::validate
