// One rule for YAML scalars, for trainer keys and loss arguments alike (loss_config.hpp's typing
// rules): a number or a bool is an unquoted scalar ("0.2" is a string); an integer has no
// fractional part; a bool is true/True/TRUE or false/False/FALSE (YAML 1.2), and the YAML 1.1
// spellings (yes, no, on, off, y, n) are refused, since their meaning depends on the reader.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>

namespace rlloss::yaml_scalar {

// A quoted scalar carries the non-specific tag "!"; a plain one "?" (or an explicit !!tag).
bool is_quoted(const YAML::Node& node);

// Each sets `out` and returns "" for a scalar of its type, else says what is wrong, e.g. "a quoted
// string where a float belongs" or "not a number". `type_name` names the expected type in it.
std::string read_number(const YAML::Node& node, const char* type_name, double& out);
std::string read_integer(const YAML::Node& node, int64_t& out);
std::string read_bool(const YAML::Node& node, bool& out);

}  // namespace rlloss::yaml_scalar
