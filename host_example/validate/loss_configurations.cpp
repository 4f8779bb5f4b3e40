#include "loss_configurations.hpp"

#include <exception>

#include "checks.hpp"

namespace rlloss::validate {
namespace {

constexpr const char* kAggModeArg = "loss_agg_mode";

std::shared_ptr<Loss> create_with_agg_mode(const Registry& registry, const LoadedPlugin& plugin,
                                           const std::string& agg_mode) {
  LossArgs args(plugin.table());
  args.set_string(kAggModeArg, agg_mode, "validate");
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
      [&] { return registry.create_default(loss_mode); });
  if (!has_agg_choices) return configurations;
  for (uint32_t i = 0; i < agg->num_choices; ++i) {
    const std::string mode = agg->choices[i];
    if (mode == default_mode) continue;
    add(mode, [&] { return create_with_agg_mode(registry, *plugin, mode); });
  }
  return configurations;
}

}  // namespace rlloss::validate
