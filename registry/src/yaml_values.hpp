// Reading values out of a verl-shaped trainer YAML: the loss's sections, what counts as unset,
// a declared argument's typed value, and messages that name the file, line and key path.
#pragma once

#include <rlloss/plugin_api.h>
#include <yaml-cpp/yaml.h>

#include <rlloss/loss_config.hpp>
#include <string>

namespace rlloss::detail {

inline constexpr const char* kRootKey = "actor_rollout_ref";
inline constexpr const char* kActorPath = "actor_rollout_ref.actor";
inline constexpr const char* kPolicyLossPath = "actor_rollout_ref.actor.policy_loss";
inline constexpr const char* kLossModePath = "actor_rollout_ref.actor.policy_loss.loss_mode";
inline constexpr const char* kPluginDirsPath = "actor_rollout_ref.actor.policy_loss.plugin_dirs";

bool is_interpolation(const YAML::Node& node);
// Nulls and `${...}` interpolations mean "not set here".
bool counts_as_unset(const YAML::Node& node);
// "a list", "a map", "null" or "a scalar".
const char* kind_name(const YAML::Node& node);
// The value as the user wrote it: plain scalars raw, quoted ones quoted, collections in flow style.
std::string show(const YAML::Node& node);

// Where a value was written and what it is called, for messages.
struct Place {
  std::string prefix;  // "file.yaml:12: " or ""
  std::string label;   // "actor_rollout_ref.actor.tau_pos" or "override tau_pos"
};
Place yaml_place(const TrainerYaml& yaml, const YAML::Node& node, const std::string& path);
[[noreturn]] void fail_at(const Place& place, const YAML::Node& node, const std::string& problem);

struct LossSections {
  YAML::Node actor;        // actor_rollout_ref.actor, undefined if absent
  YAML::Node policy_loss;  // actor_rollout_ref.actor.policy_loss, undefined if absent
};
// An error when a section is there but is not a map.
LossSections loss_sections(const TrainerYaml& yaml);
// map[key], or undefined when `map` is not a map.
YAML::Node value_at(const YAML::Node& map, const char* key);

// Checks `node` against `spec` (loss_config.hpp's typing rules) and stores it in `arg`, given,
// from `source`; an error names `place`.
void set_from_yaml(LossArgs& args, const rlloss_arg_spec& spec, const YAML::Node& node,
                   const Place& place, const std::string& source);

}  // namespace rlloss::detail
