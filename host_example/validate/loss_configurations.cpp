#include "loss_configurations.hpp"

#include <cmath>
#include <exception>
#include <rlloss/contract/arg_schema.hpp>

#include "checks.hpp"

namespace rlloss::validate {
namespace {

constexpr const char* kAggModeArg = "loss_agg_mode";

// A value inside an argument's range, for an argument that has no default (verl's dro_beta): the
// checks need some instance, and any allowed value serves them.
double example_value(const rlloss_arg_spec& spec) {
  const bool low = std::isfinite(spec.min_value), high = std::isfinite(spec.max_value);
  if (low && high) return (spec.min_value + spec.max_value) / 2;
  if (low) return spec.min_value + 1;
  if (high) return spec.max_value - 1;
  return 1;
}

// Defaults, an example value for each required argument, and `agg_mode` unless it is empty.
std::shared_ptr<Loss> create_for_validation(const Registry& registry, const LoadedPlugin& plugin,
                                            const std::string& agg_mode) {
  LossArgs args(plugin.table());
  for (const rlloss_arg_spec* spec : plugin.args()) {
    if (contract::is_required(*spec)) args.set(spec->name, example_value(*spec), "validate");
  }
  if (!agg_mode.empty()) args.set_string(kAggModeArg, agg_mode, "validate");
  args.apply_defaults();
  return registry.create(plugin.name(), args);
}

}  // namespace

std::vector<LossConfiguration> loss_configurations(const Registry& registry,
                                                   const std::string& loss_mode) {
  const auto plugin = registry.get(loss_mode);
  std::vector<LossConfiguration> configurations;
  const auto add = [&](const std::string& label, auto&& create) {
    LossConfiguration configuration{label, nullptr, ""};
    try {
      configuration.loss = create();
      configuration.label = configuration_label(*configuration.loss);
    } catch (const std::exception& e) {
      configuration.error = e.what();
    }
    configurations.push_back(std::move(configuration));
  };

  const rlloss_arg_spec* agg = plugin->find_arg(kAggModeArg);
  const bool has_agg_choices = agg != nullptr && agg->type == RLLOSS_ARG_STRING;
  const std::string default_mode =
      has_agg_choices && agg->default_string ? agg->default_string : "";
  add(has_agg_choices ? default_mode + " (default)" : "defaults",
      [&] { return create_for_validation(registry, *plugin, ""); });
  if (!has_agg_choices) return configurations;
  for (uint32_t i = 0; i < agg->num_choices; ++i) {
    const std::string mode = agg->choices[i];
    if (mode == default_mode) continue;
    add(mode, [&] { return create_for_validation(registry, *plugin, mode); });
  }
  return configurations;
}

}  // namespace rlloss::validate
