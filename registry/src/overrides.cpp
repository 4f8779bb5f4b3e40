#include "overrides.hpp"

#include <algorithm>

#include "suggestions.hpp"

namespace rlloss {
namespace detail {

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
                          "' declares no argument '" + item.key + "'; declared: " +
                          join(declared, ", ") + did_you_mean(item.key, declared));
    }
  }
}

}  // namespace detail

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

}  // namespace rlloss
