#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <rlloss/loss_config.hpp>
#include <rlloss/yaml_scalar.hpp>
#include <sstream>

#include "yaml_duplicate_keys.hpp"

namespace rlloss {
namespace fs = std::filesystem;

namespace {

constexpr const char* kRootKey = "actor_rollout_ref";
constexpr const char* kActorPath = "actor_rollout_ref.actor";
constexpr const char* kPolicyLossPath = "actor_rollout_ref.actor.policy_loss";
constexpr const char* kLossModePath = "actor_rollout_ref.actor.policy_loss.loss_mode";
constexpr const char* kPluginDirsPath = "actor_rollout_ref.actor.policy_loss.plugin_dirs";

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
  return text;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean 'x'?" for the closest candidate within a third of its length, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    const size_t distance = edit_distance(word, candidate);
    if (best == nullptr || distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  if (best == nullptr || best_distance > std::max<size_t>(1, best->size() / 3)) return "";
  return "; did you mean '" + *best + "'?";
}

std::vector<std::string> choices_of(const rlloss_arg_spec& spec) {
  return {spec.choices, spec.choices + spec.num_choices};
}

std::string arg_names(const LoadedPlugin& plugin) {
  std::vector<std::string> names;
  for (const rlloss_arg_spec* spec : plugin.args()) names.emplace_back(spec->name);
  return join(names, ", ");
}

std::string loaded_names(const Registry& registry) {
  const auto names = registry.names();
  return names.empty() ? std::string("none") : join(names, ", ");
}

using yaml_scalar::is_quoted;

bool is_interpolation(const YAML::Node& node) {
  return node.IsScalar() && node.Scalar().find("${") != std::string::npos;
}

// Nulls and `${...}` interpolations mean "not set here".
bool counts_as_unset(const YAML::Node& node) {
  return !node.IsDefined() || node.IsNull() || is_interpolation(node);
}

const char* kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Null: return "null";
    default: return "a scalar";
  }
}

// The value as the user wrote it: plain scalars raw, quoted ones quoted, collections in flow style.
std::string show(const YAML::Node& node) {
  if (node.IsScalar()) return is_quoted(node) ? "\"" + node.Scalar() + "\"" : node.Scalar();
  if (node.IsNull()) return "null";
  YAML::Emitter emitter;
  emitter << YAML::Flow << node;
  return emitter.c_str();
}

// Where a value was written and what it is called, for messages.
struct Place {
  std::string prefix;  // "file.yaml:12: " or ""
  std::string label;   // "actor_rollout_ref.actor.tau_pos" or "override tau_pos"
};

Place yaml_place(const TrainerYaml& yaml, const YAML::Node& node, const std::string& path) {
  const YAML::Mark mark = node.Mark();
  std::string prefix = yaml.source_name;
  if (mark.line >= 0) prefix += ":" + std::to_string(mark.line + 1);
  return {prefix + ": ", path};
}

[[noreturn]] void fail_at(const Place& place, const YAML::Node& node, const std::string& problem) {
  throw RegistryError(place.prefix + place.label + " = " + show(node) + ": " + problem);
}

// The map at `key` of `parent` (parent known to be a map): undefined when absent or null; an error
// when it is anything but a map.
YAML::Node child_map(const TrainerYaml& yaml, const YAML::Node& parent, const std::string& key,
                     const std::string& path) {
  if (!parent.IsDefined() || !parent.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node child = parent[key];
  if (!child.IsDefined() || child.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  if (!child.IsMap()) {
    fail_at(yaml_place(yaml, child, path), child,
            std::string(kind_name(child)) + " where a map belongs");
  }
  return child;
}

struct LossSections {
  YAML::Node actor;        // actor_rollout_ref.actor, undefined if absent
  YAML::Node policy_loss;  // actor_rollout_ref.actor.policy_loss, undefined if absent
};

LossSections loss_sections(const TrainerYaml& yaml) {
  LossSections sections;
  const YAML::Node root_map = child_map(yaml, yaml.root, kRootKey, kRootKey);
  sections.actor = child_map(yaml, root_map, "actor", kActorPath);
  sections.policy_loss = child_map(yaml, sections.actor, "policy_loss", kPolicyLossPath);
  return sections;
}

YAML::Node value_at(const YAML::Node& map, const char* key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return map[key];
}

// Checks `node` against `spec` and returns its value; an error names `place`.
kit::ArgValue typed_value(const rlloss_arg_spec& spec, const YAML::Node& node, const Place& place) {
  const std::string allowed = "; allowed: " + kit::describe_allowed(spec);
  const char* type = kit::arg_type_name(spec.type);
  if (!node.IsScalar()) {
    fail_at(place, node, std::string(kind_name(node)) + " where a " + type + " belongs" + allowed);
  }
  kit::ArgValue value;
  const std::string& text = node.Scalar();
  if (spec.type == RLLOSS_ARG_STRING) {
    const std::string problem = kit::check_string(spec, text);
    if (!problem.empty()) fail_at(place, node, problem + did_you_mean(text, choices_of(spec)));
    value.string = text;
    return value;
  }
  if (spec.type == RLLOSS_ARG_BOOL) {
    bool flag = false;
    const std::string problem = yaml_scalar::read_bool(node, flag);
    if (!problem.empty()) fail_at(place, node, problem + allowed);
    value.number = flag ? 1 : 0;
    return value;
  }
  double number = 0;
  const std::string unreadable = yaml_scalar::read_number(node, type, number);
  if (!unreadable.empty()) fail_at(place, node, unreadable + allowed);
  const std::string problem = kit::check_number(spec, number);
  if (!problem.empty()) fail_at(place, node, problem);
  value.number = number;
  return value;
}

// The override with key `name` (or its full YAML path), last one winning; null if none.
const LossOverride* find_override(const std::vector<LossOverride>& overrides,
                                  const std::string& name) {
  const LossOverride* found = nullptr;
  for (const LossOverride& item : overrides) {
    if (item.key == name || item.key == std::string(kPolicyLossPath) + "." + name ||
        item.key == std::string(kActorPath) + "." + name) {
      found = &item;
    }
  }
  return found;
}

bool names_loss_mode(const LossOverride& item) {
  return item.key == "loss_mode" || item.key == kLossModePath;
}

// Parses an override's value as one YAML scalar; nulls and interpolations are errors here.
YAML::Node override_node(const LossOverride& item, const Place& place) {
  YAML::Node node;
  try {
    node = YAML::Load(item.value);
  } catch (const YAML::Exception& e) {
    throw RegistryError(place.label + " = " + item.value + ": not a YAML value: " + e.msg);
  }
  if (!node.IsDefined() || node.IsNull()) {
    throw RegistryError(place.label + " has no value; write " + item.key + "=VALUE");
  }
  if (is_interpolation(node)) {
    throw RegistryError(place.label + " = " + item.value +
                        ": interpolations are not resolved in overrides");
  }
  return node;
}

void reject_unknown_overrides(const LoadedPlugin& plugin,
                              const std::vector<LossOverride>& overrides) {
  std::vector<std::string> declared;
  for (const rlloss_arg_spec* spec : plugin.args()) declared.emplace_back(spec->name);
  for (const LossOverride& item : overrides) {
    if (names_loss_mode(item)) continue;
    const bool known = std::any_of(declared.begin(), declared.end(), [&](const std::string& name) {
      return find_override({item}, name) != nullptr;
    });
    if (!known) {
      throw RegistryError("override '" + item.key + "=" + item.value + "': loss '" + plugin.name() +
                          "' declares no argument '" + item.key +
                          "'; declared: " + arg_names(plugin) + did_you_mean(item.key, declared));
    }
  }
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
  const auto& entries = args.entries();
  for (size_t i = 0; i < entries.size() && i < sources.size(); ++i) {
    if (name == entries[i].spec->name) return sources[i];
  }
  throw RegistryError("loss '" + loss_mode + "' declares no argument '" + name + "'");
}

TrainerYaml parse_trainer_yaml(const std::string& text, const fs::path& base_dir,
                               const std::string& source_name) {
  TrainerYaml yaml;
  yaml.base_dir = base_dir;
  yaml.source_name = source_name;
  try {
    yaml.root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw RegistryError(source_name + ":" + std::to_string(e.mark.line + 1) + ":" +
                        std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw RegistryError(source_name + ": cannot read YAML: " + e.msg);
  }
  if (yaml.root.IsDefined() && !yaml.root.IsNull() && !yaml.root.IsMap()) {
    throw RegistryError(source_name + ": the top level is " + kind_name(yaml.root) +
                        ", not a map of trainer settings");
  }
  detail::reject_duplicate_keys(text, source_name);
  return yaml;
}

TrainerYaml load_trainer_yaml(const fs::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    throw RegistryError("cannot open trainer YAML " + file.string() + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << stream.rdbuf();
  return parse_trainer_yaml(text.str(), fs::absolute(file).parent_path(), file.string());
}

std::vector<fs::path> plugin_dirs_from_yaml(const TrainerYaml& yaml) {
  const YAML::Node node = value_at(loss_sections(yaml).policy_loss, "plugin_dirs");
  std::vector<fs::path> dirs;
  if (!node.IsDefined() || node.IsNull()) return dirs;
  std::vector<std::pair<YAML::Node, std::string>> items;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      items.emplace_back(node[i], std::string(kPluginDirsPath) + "[" + std::to_string(i) + "]");
    }
  } else if (node.IsScalar()) {
    items.emplace_back(node, kPluginDirsPath);
  } else {
    fail_at(yaml_place(yaml, node, kPluginDirsPath), node,
            std::string(kind_name(node)) + " where a list of directories belongs");
  }
  for (const auto& [item, path] : items) {
    const Place place = yaml_place(yaml, item, path);
    if (!item.IsScalar()) {
      fail_at(place, item, std::string(kind_name(item)) + " where a directory (a string) belongs");
    }
    if (is_interpolation(item)) {
      spdlog::warn("{}{} = {}: interpolation not resolved here; directory ignored", place.prefix,
                   path, item.Scalar());
      continue;
    }
    const fs::path dir = yaml.base_dir / item.Scalar();
    if (!fs::is_directory(dir))
      fail_at(place, item, "directory " + dir.string() + " does not exist");
    dirs.push_back(dir);
  }
  return dirs;
}

ResolvedLossConfig resolve_loss_args(const LoadedPlugin& plugin, const TrainerYaml& yaml,
                                     const std::vector<LossOverride>& overrides) {
  reject_unknown_overrides(plugin, overrides);
  const LossSections sections = loss_sections(yaml);
  ResolvedLossConfig config;
  config.loss_mode = plugin.name();
  config.args = kit::declared_args(plugin.table().args, plugin.table().num_args);
  auto& entries = config.args.entries();
  config.sources.assign(entries.size(), "");
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& entry = entries[i];
    const rlloss_arg_spec& spec = *entry.spec;
    // Lowest priority first: a later source replaces an earlier one.
    const std::pair<YAML::Node, std::string> candidates[] = {
        {value_at(sections.actor, spec.name), std::string(kActorPath) + "." + spec.name},
        {value_at(sections.policy_loss, spec.name), std::string(kPolicyLossPath) + "." + spec.name},
    };
    for (const auto& [node, path] : candidates) {
      if (!node.IsDefined()) continue;
      if (counts_as_unset(node)) {
        spdlog::debug("{}: {} = {} counts as not set", yaml.source_name, path, show(node));
        continue;
      }
      entry.value = typed_value(spec, node, yaml_place(yaml, node, path));
      entry.given = true;
      config.sources[i] = path;
    }
    if (const LossOverride* item = find_override(overrides, spec.name)) {
      const Place place{"", "override " + item->key};
      entry.value = typed_value(spec, override_node(*item, place), place);
      entry.given = true;
      config.sources[i] = "override";
    }
    if (!entry.given) {
      config.sources[i] =
          spec.default_from ? std::string("default_from ") + spec.default_from : "default";
    }
  }
  try {
    kit::apply_defaults(config.args);
  } catch (const std::exception& e) {
    throw RegistryError("loss '" + plugin.name() + "': " + e.what());
  }
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

LossOverride parse_override(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos) {
    throw RegistryError("override '" + text + "' has no '='; write key=value, e.g. tau_pos=1.2");
  }
  const auto trim = [](std::string s) {
    const size_t first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return std::string();
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
  };
  LossOverride item{trim(text.substr(0, equals)), trim(text.substr(equals + 1))};
  if (item.key.empty()) throw RegistryError("override '" + text + "' names no argument before '='");
  return item;
}

std::string format_arg_value(const kit::ResolvedArgs::Entry& entry) {
  switch (entry.spec->type) {
    case RLLOSS_ARG_STRING: return entry.value.string;
    case RLLOSS_ARG_BOOL: return entry.value.number != 0 ? "true" : "false";
    default: return kit::format_number(entry.value.number);
  }
}

}  // namespace rlloss
