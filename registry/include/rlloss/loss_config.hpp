// Reading a verl-shaped trainer YAML into a loss: loss_mode, arguments, plugin directories.
//
// loss_mode:       actor_rollout_ref.actor.policy_loss.loss_mode
// each argument:   actor_rollout_ref.actor.policy_loss.<arg>, else actor_rollout_ref.actor.<arg>
// plugin dirs:     actor_rollout_ref.actor.policy_loss.plugin_dirs (a list of strings, or one
//                  string; relative paths are relative to the YAML file's directory)
// Precedence: schema defaults < actor.<arg> < actor.policy_loss.<arg> < explicit overrides. An
// argument the caller sets nowhere but that declares `default_from` takes its source's resolved
// value. Keys the loss does not declare, `_target_` keys, `${...}` interpolations and nulls are
// ignored (a declared argument whose value is null or an interpolation counts as not set).
//
// Typing rules (YAML scalars, rlloss/yaml_scalar.hpp; the same for the YAML file, for overrides
// and for the trainer's own keys):
//   float:  an unquoted number (1, 0.2, 1e-6, .inf); .nan is a number but never allowed;
//   int:    an unquoted number with no fractional part;
//   bool:   true or false (YAML 1.2; the YAML 1.1 spellings yes/no/on/off are refused, since
//           their meaning depends on the reader);
//   string: any scalar; a list or a map is a wrong type everywhere.
// A quoted scalar ("0.2") is a string. Every error is a RegistryError naming the file and line,
// the key path, the value and what is allowed.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <rlloss/loss_args.hpp>
#include <rlloss/registry.hpp>
#include <string>
#include <utility>
#include <vector>

namespace rlloss {

// The resolved loss: each argument's value and its source (LossArg::source).
struct ResolvedLossConfig {
  std::string loss_mode;
  LossArgs args;

  // The source of argument `name`; throws RegistryError when the loss does not declare it.
  const std::string& source(const std::string& name) const;
};

struct LossOverride {
  std::string key;    // argument name, e.g. "tau_pos" (or its full YAML path), or "loss_mode"
  std::string value;  // parsed as a YAML scalar, e.g. "1.2", "token-sum"
};

// A parsed trainer YAML: the root node, the file's directory for relative paths, and the name
// used in messages (the file path, or what the caller passed to parse_trainer_yaml).
struct TrainerYaml {
  YAML::Node root;
  std::filesystem::path base_dir;
  std::string source_name = "<yaml>";
};

// Reads and parses `file`; a syntax error names the file, line and column.
TrainerYaml load_trainer_yaml(const std::filesystem::path& file);
TrainerYaml parse_trainer_yaml(const std::string& text, const std::filesystem::path& base_dir = ".",
                               const std::string& source_name = "<yaml>");

// actor_rollout_ref.actor.policy_loss.plugin_dirs, resolved against base_dir; empty if absent.
// Each directory must exist.
std::vector<std::filesystem::path> plugin_dirs_from_yaml(const TrainerYaml& yaml);

// Resolves loss_mode and every declared argument. The loss_mode is, by priority:
// `loss_mode_override` when not empty, an override with key "loss_mode", the YAML's.
ResolvedLossConfig resolve_loss_config(const Registry& registry, const TrainerYaml& yaml,
                                       const std::vector<LossOverride>& overrides = {},
                                       const std::string& loss_mode_override = "");

// Resolves the declared arguments of one plugin (what resolve_loss_config does once it knows the
// plugin). Overrides must name a declared argument.
ResolvedLossConfig resolve_loss_args(const LoadedPlugin& plugin, const TrainerYaml& yaml,
                                     const std::vector<LossOverride>& overrides = {});

std::shared_ptr<Loss> create_loss(const Registry& registry, const ResolvedLossConfig& config);

// What every host command does to get its loss from a trainer YAML: loads the plugins of
// RLLOSS_PLUGIN_PATH, `plugin_dirs`, the YAML's own plugin_dirs and the default directory (in
// that order of precedence), resolves loss_mode and the arguments (overrides last) and creates the
// loss, which keeps its plugin loaded.
struct YamlLoss {
  ResolvedLossConfig config;
  std::shared_ptr<Loss> loss;
};
YamlLoss load_loss(const TrainerYaml& yaml, const std::vector<std::filesystem::path>& plugin_dirs,
                   const std::vector<LossOverride>& overrides = {});

// "key=value" -> LossOverride (split at the first '='); throws RegistryError on a missing '=' or
// an empty key.
LossOverride parse_override(const std::string& text);

}  // namespace rlloss
