// Builds a plugin's kit::ResolvedArgs by hand, as the YAML reader would: the given values, then
// the schema's defaults for the rest. No value is checked here, so that a bad one reaches the
// plugin's create.
#pragma once

#include <map>
#include <rlloss/kit/schema.hpp>
#include <rlloss/registry.hpp>
#include <string>

namespace rlloss::test {

inline kit::ResolvedArgs resolve_args(const LoadedPlugin& plugin,
                                      const std::map<std::string, double>& numbers,
                                      const std::map<std::string, std::string>& strings = {}) {
  kit::ResolvedArgs args = kit::declared_args(plugin.table().args, plugin.table().num_args);
  for (auto& entry : args.entries()) {
    if (const auto it = numbers.find(entry.spec->name); it != numbers.end()) {
      entry.value.number = it->second;
      entry.given = true;
    }
    if (const auto it = strings.find(entry.spec->name); it != strings.end()) {
      entry.value.string = it->second;
      entry.given = true;
    }
  }
  kit::apply_defaults(args);
  return args;
}

}  // namespace rlloss::test
