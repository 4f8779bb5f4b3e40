#include "loss_test_support.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace rlloss::test {

const Registry& plugin_registry() {
  static const Registry* registry = [] {
    auto* loaded = new Registry();
    loaded->load_directory(RLLOSS_TEST_PLUGIN_DIR);
    return loaded;
  }();
  return *registry;
}

LossArgs resolve_args(const std::string& loss_mode, const ArgList& overrides) {
  LossArgs args(plugin_registry().get(loss_mode)->table());
  for (const LossArg& arg : args.entries()) {
    if (contract::is_required(*arg.spec)) args.set(arg.name(), kRequiredArgValue, "test");
  }
  for (const auto& [name, value] : overrides) {
    if (args.at(name).spec->type == RLLOSS_ARG_STRING) {
      args.set_string(name, value, "test");
    } else {
      args.set(name, std::stod(value), "test");
    }
  }
  args.apply_defaults();
  return args;
}

std::shared_ptr<Loss> make_loss(const std::string& loss_mode, const ArgList& overrides) {
  return plugin_registry().create(loss_mode, resolve_args(loss_mode, overrides));
}

namespace {

torch::Tensor make_mask(const BatchSpec& spec, at::Generator& gen) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor mask;
  switch (spec.mask) {
    case MaskKind::full: mask = torch::ones({spec.rows, spec.cols}, f64); break;
    case MaskKind::empty: mask = torch::zeros({spec.rows, spec.cols}, f64); break;
    case MaskKind::random_holes:
      mask = (torch::rand({spec.rows, spec.cols}, gen, f64) < 0.7).to(torch::kFloat64);
      break;
    case MaskKind::ragged_prefix: {
      const auto i64 = f64.dtype(torch::kLong);
      const torch::Tensor lengths = spec.cols > 0
                                        ? torch::randint(1, spec.cols + 1, {spec.rows, 1}, gen, i64)
                                        : torch::zeros({spec.rows, 1}, i64);
      mask = (torch::arange(spec.cols, i64).unsqueeze(0) < lengths).to(torch::kFloat64);
      break;
    }
  }
  if (spec.rows >= 3 && spec.mask != MaskKind::full) {
    for (int64_t b = 1; b < spec.rows; b += 3) mask[b].zero_();
  }
  if (spec.mask_dtype == torch::kBool) return mask != 0;
  return mask.to(spec.mask_dtype);
}

}  // namespace

LossInputs random_batch(const BatchSpec& spec) {
  at::Generator gen = at::detail::createCPUGenerator(spec.seed);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const std::vector<int64_t> shape = {spec.rows, spec.cols};
  const torch::Tensor old_log_prob = -torch::randn(shape, gen, f64).abs() * 1.5 - 0.05;
  const torch::Tensor log_prob = old_log_prob + torch::randn(shape, gen, f64) * spec.log_ratio_std;
  torch::Tensor advantages = torch::randn(shape, gen, f64);
  advantages =
      torch::where(torch::rand(shape, gen, f64) < 0.1, torch::zeros_like(advantages), advantages);
  if (spec.zero_advantages) advantages.zero_();
  const torch::Tensor weights = torch::rand(shape, gen, f64) * 1.5 + 0.25;

  LossInputs inputs;
  inputs.log_prob = log_prob.to(spec.dtype);
  inputs.old_log_prob = old_log_prob.to(spec.dtype);
  inputs.advantages = advantages.to(spec.dtype);
  inputs.response_mask = make_mask(spec, gen);
  if (spec.with_weights) inputs.rollout_is_weights = weights.to(spec.dtype);
  return inputs;
}

PluginResult run_plugin(const Loss& loss, const LossInputs& inputs) {
  LossInputs call = inputs;
  // Integer tensors cannot require grad; the plugin refuses them anyway.
  const bool differentiable = inputs.log_prob.defined() && inputs.log_prob.is_floating_point();
  if (differentiable) call.log_prob = inputs.log_prob.detach().requires_grad_(true);
  const LossOutput output = compute_loss(loss, call);
  PluginResult result;
  result.loss = output.loss.detach().to(torch::kFloat64);
  if (differentiable) {
    result.grad = torch::autograd::grad({output.loss}, {call.log_prob})[0].to(torch::kFloat64);
  }
  for (const auto& [name, value] : output.metrics) result.metrics[name] = value.item<double>();
  return result;
}

double max_abs(const torch::Tensor& t) {
  return t.numel() == 0 ? 0.0 : t.abs().max().item<double>();
}

::testing::AssertionResult all_close(const torch::Tensor& actual, const torch::Tensor& expected,
                                     double tolerance, double scale) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shape " << actual.sizes() << " != expected " << expected.sizes();
  }
  if (actual.numel() == 0) return ::testing::AssertionSuccess();
  const torch::Tensor a = actual.to(torch::kFloat64).reshape({-1});
  const torch::Tensor e = expected.to(torch::kFloat64).reshape({-1});
  const torch::Tensor diff = (a - e).abs();
  const int64_t worst = torch::where(torch::isnan(diff), torch::full_like(diff, HUGE_VAL), diff)
                            .argmax()
                            .item<int64_t>();
  const double worst_diff = diff[worst].item<double>();
  if (worst_diff <= tolerance * scale) return ::testing::AssertionSuccess();
  std::ostringstream text;
  text.precision(17);
  text << "max |actual - expected| = " << worst_diff << " > " << tolerance << " * " << scale
       << " at flat index " << worst << ": actual " << a[worst].item<double>() << ", expected "
       << e[worst].item<double>();
  return ::testing::AssertionFailure() << text.str();
}

torch::Tensor as_strided_layout(const torch::Tensor& t, int kind) {
  const int64_t rows = t.size(0);
  const int64_t cols = t.size(1);
  // Slots the view does not cover hold a value no result may depend on.
  const auto filler = [&](std::vector<int64_t> shape) {
    return t.is_floating_point()
               ? torch::full(shape, std::numeric_limits<double>::quiet_NaN(), t.options())
               : torch::ones(shape, t.options());
  };
  torch::Tensor view;
  if (kind == 0) {
    view = filler({rows, cols + 5}).slice(1, 2, 2 + cols);
  } else if (kind == 1) {
    view = filler({cols, rows}).t();
  } else {
    view = filler({rows, 2 * cols}).slice(1, 0, 2 * cols, 2);
  }
  view.copy_(t);
  return view;
}

}  // namespace rlloss::test
