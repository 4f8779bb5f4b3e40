// Builds a plugin's LossArgs as the YAML reader would: the given values (checked against the
// schema), then the defaults for the rest.
#pragma once

#include <map>
#include <rlloss/registry.hpp>
#include <string>

namespace rlloss::test {

inline LossArgs resolve_args(const LoadedPlugin& plugin,
                             const std::map<std::string, double>& numbers,
                             const std::map<std::string, std::string>& strings = {}) {
  LossArgs args(plugin.table());
  for (const auto& [name, number] : numbers) args.set(name, number, "test");
  for (const auto& [name, text] : strings) args.set_string(name, text, "test");
  args.apply_defaults();
  return args;
}

}  // namespace rlloss::test
