#include "yaml_values.hpp"

#include <rlloss/contract/arg_schema.hpp>
#include <rlloss/yaml_scalar.hpp>
#include <vector>

#include "suggestions.hpp"

namespace rlloss::detail {
namespace {

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

}  // namespace

bool is_interpolation(const YAML::Node& node) {
  return node.IsScalar() && node.Scalar().find("${") != std::string::npos;
}

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

std::string show(const YAML::Node& node) {
  if (node.IsScalar()) {
    return yaml_scalar::is_quoted(node) ? "\"" + node.Scalar() + "\"" : node.Scalar();
  }
  if (node.IsNull()) return "null";
  YAML::Emitter emitter;
  emitter << YAML::Flow << node;
  return emitter.c_str();
}

Place yaml_place(const TrainerYaml& yaml, const YAML::Node& node, const std::string& path) {
  const YAML::Mark mark = node.Mark();
  std::string prefix = yaml.source_name;
  if (mark.line >= 0) prefix += ":" + std::to_string(mark.line + 1);
  return {prefix + ": ", path};
}

void fail_at(const Place& place, const YAML::Node& node, const std::string& problem) {
  throw RegistryError(place.prefix + place.label + " = " + show(node) + ": " + problem);
}

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

void set_from_yaml(LossArgs& args, const rlloss_arg_spec& spec, const YAML::Node& node,
                   const Place& place, const std::string& source) {
  const std::string allowed = "; allowed: " + contract::describe_allowed(spec);
  const char* type = contract::arg_type_name(spec.type);
  if (!node.IsScalar()) {
    fail_at(place, node, std::string(kind_name(node)) + " where a " + type + " belongs" + allowed);
  }
  const std::string& text = node.Scalar();
  if (spec.type == RLLOSS_ARG_STRING) {
    const std::string problem = contract::check_string(spec, text);
    if (!problem.empty()) {
      const std::vector<std::string> choices(spec.choices, spec.choices + spec.num_choices);
      fail_at(place, node, problem + did_you_mean(text, choices));
    }
    args.set_string(spec.name, text, source);
    return;
  }
  if (spec.type == RLLOSS_ARG_BOOL) {
    bool flag = false;
    const std::string problem = yaml_scalar::read_bool(node, flag);
    if (!problem.empty()) fail_at(place, node, problem + allowed);
    args.set(spec.name, flag ? 1 : 0, source);
    return;
  }
  double number = 0;
  const std::string unreadable = yaml_scalar::read_number(node, type, number);
  if (!unreadable.empty()) fail_at(place, node, unreadable + allowed);
  const std::string problem = contract::check_number(spec, number);
  if (!problem.empty()) fail_at(place, node, problem);
  args.set(spec.name, number, source);
}

}  // namespace rlloss::detail
