// Command-line overrides of loss arguments ("key=value"): which argument one names, its value as
// a YAML scalar, and the refusal of a key the loss does not declare.
#pragma once

#include <yaml-cpp/yaml.h>

#include <rlloss/loss_config.hpp>
#include <string>
#include <vector>

#include "yaml_values.hpp"

namespace rlloss::detail {

// The override with key `name` (or its full YAML path), the last one winning; null if none.
const LossOverride* find_override(const std::vector<LossOverride>& overrides,
                                  const std::string& name);
bool names_loss_mode(const LossOverride& item);
// Parses an override's value as one YAML scalar; nulls and interpolations are errors here.
YAML::Node override_node(const LossOverride& item, const Place& place);
// An error naming the declared arguments (and the closest one) for an override that names none.
void reject_unknown_overrides(const LoadedPlugin& plugin,
                              const std::vector<LossOverride>& overrides);

}  // namespace rlloss::detail
