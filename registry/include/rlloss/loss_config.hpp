// Reading a verl-shaped trainer YAML into a loss: loss_mode, arguments, plugin directories.
//
// loss_mode:       actor_rollout_ref.actor.policy_loss.loss_mode
// each argument:   actor_rollout_ref.actor.policy_loss.<arg>, else actor_rollout_ref.actor.<arg>
// plugin dirs:     actor_rollout_ref.actor.policy_loss.plugin_dirs (a list; relative paths are
//                  relative to the YAML file's directory)
// Precedence: schema defaults < YAML < explicit overrides. Keys the loss does not declare, `_target_`
// keys, `${...}` interpolations and nulls are ignored. Wrong types and out-of-range values are
// errors naming the key path, the value and what is allowed.
#pragma once

#include <rlloss/kit/schema.hpp>
#include <rlloss/registry.hpp>

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rlloss {

// Where one resolved argument value came from: "default", "default_from clip_ratio",
// a YAML key path such as "actor_rollout_ref.actor.tau_pos", or "override".
struct ResolvedLossConfig {
  std::string loss_mode;
  kit::ResolvedArgs args;
  std::vector<std::string> sources;  // parallel to args.entries()
};

struct LossOverride {
  std::string key;    // argument name, e.g. "tau_pos"
  std::string value;  // parsed as a YAML scalar, e.g. "1.2", "token-sum"
};

// A parsed trainer YAML: the root node and the file's directory for relative paths.
struct TrainerYaml {
  YAML::Node root;
  std::filesystem::path base_dir;
};

TrainerYaml load_trainer_yaml(const std::filesystem::path& file);
TrainerYaml parse_trainer_yaml(const std::string& text, const std::filesystem::path& base_dir = ".");

// actor_rollout_ref.actor.policy_loss.plugin_dirs, resolved against base_dir; empty if absent.
std::vector<std::filesystem::path> plugin_dirs_from_yaml(const TrainerYaml& yaml);

// Resolves loss_mode and every declared argument. `loss_mode_override` replaces the YAML's
// loss_mode when not empty.
ResolvedLossConfig resolve_loss_config(const Registry& registry, const TrainerYaml& yaml,
                                       const std::vector<LossOverride>& overrides = {},
                                       const std::string& loss_mode_override = "");

std::shared_ptr<Loss> create_loss(const Registry& registry, const ResolvedLossConfig& config);

// "key=value" -> LossOverride; throws RegistryError on a missing '='.
LossOverride parse_override(const std::string& text);

}  // namespace rlloss
