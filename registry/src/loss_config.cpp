// Resolving a trainer YAML's loss: its loss_mode, each declared argument by precedence, and the
// facade every host command uses.
#include <spdlog/spdlog.h>

#include <rlloss/loss_config.hpp>
#include <utility>

#include "overrides.hpp"
#include "suggestions.hpp"
#include "yaml_values.hpp"

namespace rlloss {
namespace fs = std::filesystem;
using namespace detail;

namespace {

std::string loaded_names(const Registry& registry) {
  const auto names = registry.names();
  return names.empty() ? std::string("none") : join(names, ", ");
}

struct ChosenLossMode {
  std::string name;
  std::string
      where;  // for messages: "file.yaml:3: actor_rollout_ref...loss_mode" or "override ..."
};

// The loss_mode from overrides or the YAML; an error when it is missing or not a string.
ChosenLossMode loss_mode_of(const Registry& registry, const TrainerYaml& yaml,
                            const std::vector<LossOverride>& overrides) {
  const LossOverride* chosen = nullptr;
  for (const LossOverride& item : overrides) {
    if (names_loss_mode(item)) chosen = &item;
  }
  if (chosen != nullptr) {
    const YAML::Node node = override_node(*chosen, {"", "override loss_mode"});
    if (!node.IsScalar()) {
      throw RegistryError("override loss_mode = " + chosen->value +
                          ": not a plugin name; loaded plugins: " + loaded_names(registry));
    }
    return {node.Scalar(), "override loss_mode"};
  }
  const YAML::Node node = value_at(loss_sections(yaml).policy_loss, "loss_mode");
  if (counts_as_unset(node)) {
    const std::string why =
        !node.IsDefined() ? "is not set"
        : node.IsNull()   ? "is null"
                          : "is an interpolation (" + node.Scalar() + ") that is not resolved here";
    throw RegistryError(yaml.source_name + ": " + kLossModePath + " " + why +
                        "; set it to the name of a loaded plugin: " + loaded_names(registry));
  }
  const Place place = yaml_place(yaml, node, kLossModePath);
  if (!node.IsScalar()) {
    fail_at(
        place, node,
        std::string(kind_name(node)) +
            " where a plugin name (a string) belongs; loaded plugins: " + loaded_names(registry));
  }
  return {node.Scalar(), place.prefix + place.label};
}

}  // namespace

const std::string& ResolvedLossConfig::source(const std::string& name) const {
  return args.at(name).source;
}

ResolvedLossConfig resolve_loss_args(const LoadedPlugin& plugin, const TrainerYaml& yaml,
                                     const std::vector<LossOverride>& overrides) {
  reject_unknown_overrides(plugin, overrides);
  const LossSections sections = loss_sections(yaml);
  ResolvedLossConfig config{plugin.name(), LossArgs(plugin.table())};
  for (const rlloss_arg_spec* spec : plugin.args()) {
    // Lowest priority first: a later source replaces an earlier one.
    const std::pair<YAML::Node, std::string> candidates[] = {
        {value_at(sections.actor, spec->name), std::string(kActorPath) + "." + spec->name},
        {value_at(sections.policy_loss, spec->name),
         std::string(kPolicyLossPath) + "." + spec->name},
    };
    for (const auto& [node, path] : candidates) {
      if (!node.IsDefined()) continue;
      if (counts_as_unset(node)) {
        spdlog::debug("{}: {} = {} counts as not set", yaml.source_name, path, show(node));
        continue;
      }
      set_from_yaml(config.args, *spec, node, yaml_place(yaml, node, path), path);
    }
    if (const LossOverride* item = find_override(overrides, spec->name)) {
      const Place place{"", "override " + item->key};
      set_from_yaml(config.args, *spec, override_node(*item, place), place, "override");
    }
  }
  for (const rlloss_arg_spec* spec : plugin.args()) {
    if (contract::is_required(*spec) && !config.args.at(spec->name).given) {
      throw RegistryError(std::string(kPolicyLossPath) + "." + spec->name +
                          " is not set: loss_mode " + plugin.name() +
                          " has no default for it; allowed: " + contract::describe_allowed(*spec));
    }
  }
  config.args.apply_defaults();
  return config;
}

ResolvedLossConfig resolve_loss_config(const Registry& registry, const TrainerYaml& yaml,
                                       const std::vector<LossOverride>& overrides,
                                       const std::string& loss_mode_override) {
  const ChosenLossMode loss_mode = loss_mode_override.empty()
                                       ? loss_mode_of(registry, yaml, overrides)
                                       : ChosenLossMode{loss_mode_override, "loss_mode"};
  std::shared_ptr<const LoadedPlugin> plugin = registry.find(loss_mode.name);
  if (!plugin) {
    try {
      registry.get(loss_mode.name);  // throws the registry's own message listing the loaded names
    } catch (const RegistryError& e) {
      throw RegistryError(loss_mode.where + ": " + e.what() +
                          did_you_mean(loss_mode.name, registry.names()));
    }
  }
  return resolve_loss_args(*plugin, yaml, overrides);
}

std::shared_ptr<Loss> create_loss(const Registry& registry, const ResolvedLossConfig& config) {
  return registry.create(config.loss_mode, config.args);
}

YamlLoss load_loss(const TrainerYaml& yaml, const std::vector<fs::path>& plugin_dirs,
                   const std::vector<LossOverride>& overrides) {
  std::vector<fs::path> dirs = plugin_dirs;
  for (const fs::path& dir : plugin_dirs_from_yaml(yaml)) dirs.push_back(dir);
  Registry registry;
  registry.load_search_path(dirs);
  YamlLoss loaded{resolve_loss_config(registry, yaml, overrides), nullptr};
  loaded.loss = create_loss(registry, loaded.config);
  return loaded;
}

}  // namespace rlloss
