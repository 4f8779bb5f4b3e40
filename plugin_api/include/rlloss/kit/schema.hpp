// The argument schema: describing allowed values, checking one value, resolving create() args.
// Header-only and shared by plugins (create) and hosts (YAML), so both give the same messages.
#pragma once

#include <rlloss/plugin_api.h>

#include <cmath>
#include <cstdio>
#include <optional>
#include <rlloss/contract/versioned_array.hpp>
#include <rlloss/kit/error.hpp>
#include <string>
#include <vector>

namespace rlloss::kit {

using contract::versioned_at;

inline std::string format_number(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[40];
  std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

inline const char* arg_type_name(rlloss_arg_type type) {
  switch (type) {
    case RLLOSS_ARG_FLOAT: return "float";
    case RLLOSS_ARG_INT: return "int";
    case RLLOSS_ARG_BOOL: return "bool";
    case RLLOSS_ARG_STRING: return "string";
    default: return "unknown";
  }
}

// Human-readable set of allowed values, e.g. "a float in (0, inf)" or "one of: a, b".
inline std::string describe_allowed(const rlloss_arg_spec& spec) {
  switch (spec.type) {
    case RLLOSS_ARG_BOOL: return "true or false";
    case RLLOSS_ARG_STRING: {
      if (spec.num_choices == 0) return "a string";
      std::string text = "one of: ";
      for (uint32_t i = 0; i < spec.num_choices; ++i) {
        text += (i ? ", " : "") + std::string(spec.choices[i]);
      }
      return text;
    }
    default: {
      std::string text = spec.type == RLLOSS_ARG_INT ? "an integer in " : "a float in ";
      text += spec.min_inclusive ? "[" : "(";
      text += format_number(spec.min_value) + ", " + format_number(spec.max_value);
      text += spec.max_inclusive ? "]" : ")";
      return text;
    }
  }
}

// Empty when `number` is allowed for a FLOAT, INT or BOOL argument, else the reason.
inline std::string check_number(const rlloss_arg_spec& spec, double number) {
  const std::string allowed = "; allowed: " + describe_allowed(spec);
  if (std::isnan(number)) return "NaN is not allowed" + allowed;
  if (spec.type == RLLOSS_ARG_BOOL) {
    return number == 0 || number == 1 ? "" : "not a bool" + allowed;
  }
  if (spec.type == RLLOSS_ARG_INT && number != std::floor(number)) {
    return "not an integer" + allowed;
  }
  const bool above_min = spec.min_inclusive ? number >= spec.min_value : number > spec.min_value;
  const bool below_max = spec.max_inclusive ? number <= spec.max_value : number < spec.max_value;
  return above_min && below_max ? "" : "out of range" + allowed;
}

// Empty when `text` is allowed for a STRING argument, else the reason.
inline std::string check_string(const rlloss_arg_spec& spec, const std::string& text) {
  if (spec.num_choices == 0) return "";
  for (uint32_t i = 0; i < spec.num_choices; ++i) {
    if (text == spec.choices[i]) return "";
  }
  return "not allowed; allowed: " + describe_allowed(spec);
}

struct ArgValue {
  double number = 0;
  std::string string;
};

// Values of every declared argument after defaults; looked up by name.
class ResolvedArgs {
 public:
  struct Entry {
    const rlloss_arg_spec* spec;
    ArgValue value;
    bool given;
  };

  std::vector<Entry>& entries() { return entries_; }
  const std::vector<Entry>& entries() const { return entries_; }

  const Entry* find(const std::string& name) const {
    for (const auto& entry : entries_) {
      if (name == entry.spec->name) return &entry;
    }
    return nullptr;
  }
  double number(const std::string& name) const { return require(name).value.number; }
  const std::string& string(const std::string& name) const { return require(name).value.string; }

 private:
  const Entry& require(const std::string& name) const {
    const Entry* entry = find(name);
    if (entry == nullptr) throw Error(RLLOSS_ERROR_INTERNAL, "undeclared argument '" + name + "'");
    return *entry;
  }
  std::vector<Entry> entries_;
};

inline std::string declared_names(const rlloss_arg_spec* specs, uint32_t num_specs) {
  std::string names;
  for (uint32_t i = 0; i < num_specs; ++i) {
    names += (i ? ", " : "") + std::string(versioned_at(specs, i).name);
  }
  return names;
}

// Fills defaults (then `default_from`) for every argument not given. Values already in `args`
// were checked by the caller.
inline void apply_defaults(ResolvedArgs& args) {
  for (auto& entry : args.entries()) {
    if (entry.given || entry.spec->default_from != nullptr) continue;
    entry.value.number = entry.spec->default_number;
    entry.value.string = entry.spec->default_string ? entry.spec->default_string : "";
  }
  for (auto& entry : args.entries()) {
    if (entry.given || entry.spec->default_from == nullptr) continue;
    const auto* source = args.find(entry.spec->default_from);
    if (source == nullptr || source->spec->default_from != nullptr) {
      throw Error(RLLOSS_ERROR_INTERNAL, std::string("argument '") + entry.spec->name +
                                             "' defaults to an unusable argument '" +
                                             entry.spec->default_from + "'");
    }
    entry.value = source->value;
    const std::string problem = entry.spec->type == RLLOSS_ARG_STRING
                                    ? check_string(*entry.spec, entry.value.string)
                                    : check_number(*entry.spec, entry.value.number);
    if (!problem.empty()) {
      fail(std::string("argument '") + entry.spec->name +
           "' = " + format_number(entry.value.number) + " (from '" + entry.spec->default_from +
           "'): " + problem);
    }
  }
}

// Empty schema table of ResolvedArgs entries, one per declared argument, none given.
inline ResolvedArgs declared_args(const rlloss_arg_spec* specs, uint32_t num_specs) {
  ResolvedArgs args;
  for (uint32_t i = 0; i < num_specs; ++i) {
    args.entries().push_back({&versioned_at(specs, i), ArgValue{}, false});
  }
  return args;
}

// What `create` does with its arguments: every value checked against the schema, then defaults.
inline ResolvedArgs resolve_create_args(const rlloss_arg_spec* specs, uint32_t num_specs,
                                        const rlloss_arg_value* values, uint32_t num_values) {
  ResolvedArgs args = declared_args(specs, num_specs);
  const std::string problem = contract::array_problem(
      values, num_values, RLLOSS_ARG_VALUE_STRUCT_SIZE_1_0, "rlloss_arg_value");
  if (!problem.empty()) fail("create: " + problem);
  for (uint32_t i = 0; i < num_values; ++i) {
    const rlloss_arg_value& value = versioned_at(values, i);
    if (value.name == nullptr) fail("argument " + std::to_string(i) + " has no name");
    const std::string name = value.name;
    ResolvedArgs::Entry* entry = nullptr;
    for (auto& candidate : args.entries()) {
      if (name == candidate.spec->name) entry = &candidate;
    }
    if (entry == nullptr) {
      fail("unknown argument '" + name + "'; declared: " + declared_names(specs, num_specs));
    }
    if (entry->given) fail("argument '" + name + "' given twice");
    if (value.type != entry->spec->type) {
      fail("argument '" + name + "' has type " + arg_type_name(value.type) + ", expected " +
           arg_type_name(entry->spec->type));
    }
    if (value.type == RLLOSS_ARG_STRING) {
      if (value.string == nullptr) fail("argument '" + name + "' is a NULL string");
      const std::string problem = check_string(*entry->spec, value.string);
      if (!problem.empty()) fail("argument '" + name + "' = '" + value.string + "': " + problem);
      entry->value.string = value.string;
    } else {
      const std::string problem = check_number(*entry->spec, value.number);
      if (!problem.empty()) {
        fail("argument '" + name + "' = " + format_number(value.number) + ": " + problem);
      }
      entry->value.number = value.number;
    }
    entry->given = true;
  }
  apply_defaults(args);
  return args;
}

}  // namespace rlloss::kit
