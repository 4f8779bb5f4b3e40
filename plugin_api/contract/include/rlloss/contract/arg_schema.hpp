// Reading a plugin's argument schema (rlloss_arg_spec): describing the allowed values, checking
// one value, reading create()'s rlloss_arg_value array and filling defaults. Shared by plugins
// (create) and hosts (YAML), so both give the same messages. Problems come back as text; the
// caller decides how to report them.
#pragma once

#include <rlloss/plugin_api.h>

#include <cmath>
#include <cstdio>
#include <rlloss/contract/versioned_array.hpp>
#include <string>
#include <vector>

namespace rlloss::contract {

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

// An argument without a default (a NaN default_number): the caller must set it.
inline bool is_required(const rlloss_arg_spec& spec) {
  return (spec.type == RLLOSS_ARG_FLOAT || spec.type == RLLOSS_ARG_INT) &&
         spec.default_from == nullptr && std::isnan(spec.default_number);
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

// One declared argument and its value: the spec's default or what the caller gave.
struct ArgSlot {
  const rlloss_arg_spec* spec = nullptr;
  double number = 0;   // FLOAT, INT, BOOL (0 or 1)
  std::string string;  // STRING
  bool given = false;  // set by the caller rather than by a default
};

inline std::string declared_names(const rlloss_arg_spec* specs, uint32_t num_specs) {
  std::string names;
  for (uint32_t i = 0; i < num_specs; ++i) {
    names += (i ? ", " : "") + std::string(versioned_at(specs, i).name);
  }
  return names;
}

// One slot per declared argument, none given. Call array_problem() on the specs first.
inline std::vector<ArgSlot> declared_slots(const rlloss_arg_spec* specs, uint32_t num_specs) {
  std::vector<ArgSlot> slots(num_specs);
  for (uint32_t i = 0; i < num_specs; ++i) slots[i].spec = &versioned_at(specs, i);
  return slots;
}

inline std::string format_slot_value(const ArgSlot& slot) {
  switch (slot.spec->type) {
    case RLLOSS_ARG_STRING: return slot.string;
    case RLLOSS_ARG_BOOL: return slot.number != 0 ? "true" : "false";
    default: return format_number(slot.number);
  }
}

// Fills every slot not given: with its spec's default, or with the value of its `default_from`
// argument, checked against its own range. Empty when that worked, else the reason. `Slot` is
// ArgSlot or a type derived from it.
template <class Slot>
std::string apply_defaults(std::vector<Slot>& slots) {
  for (ArgSlot& slot : slots) {
    if (slot.given || slot.spec->default_from != nullptr) continue;
    if (is_required(*slot.spec)) {
      return std::string("argument '") + slot.spec->name +
             "' has no default and must be set; allowed: " + describe_allowed(*slot.spec);
    }
    slot.number = slot.spec->default_number;
    slot.string = slot.spec->default_string ? slot.spec->default_string : "";
  }
  for (ArgSlot& slot : slots) {
    if (slot.given || slot.spec->default_from == nullptr) continue;
    const ArgSlot* source = nullptr;
    for (const ArgSlot& candidate : slots) {
      if (std::string(slot.spec->default_from) == candidate.spec->name) source = &candidate;
    }
    if (source == nullptr || source->spec->default_from != nullptr) {
      return std::string("argument '") + slot.spec->name + "' defaults to an unusable argument '" +
             slot.spec->default_from + "'";
    }
    slot.number = source->number;
    slot.string = source->string;
    const std::string problem = slot.spec->type == RLLOSS_ARG_STRING
                                    ? check_string(*slot.spec, slot.string)
                                    : check_number(*slot.spec, slot.number);
    if (!problem.empty()) {
      return std::string("argument '") + slot.spec->name + "' = " + format_slot_value(slot) +
             " (from '" + slot.spec->default_from + "'): " + problem;
    }
  }
  return "";
}

// What `create` does with its arguments: every value checked against the schema and stored in
// its slot (marked given). Empty when all were allowed, else the reason. `Slot` as above.
template <class Slot>
std::string read_arg_values(std::vector<Slot>& slots, const rlloss_arg_value* values,
                            uint32_t num_values) {
  const std::string unreadable =
      array_problem(values, num_values, RLLOSS_ARG_VALUE_STRUCT_SIZE_1_0, "rlloss_arg_value");
  if (!unreadable.empty()) return "create: " + unreadable;
  for (uint32_t i = 0; i < num_values; ++i) {
    const rlloss_arg_value& value = versioned_at(values, i);
    if (value.name == nullptr) return "argument " + std::to_string(i) + " has no name";
    const std::string name = value.name;
    ArgSlot* slot = nullptr;
    std::string declared;
    for (ArgSlot& candidate : slots) {
      if (name == candidate.spec->name) slot = &candidate;
      declared += (declared.empty() ? "" : ", ") + std::string(candidate.spec->name);
    }
    if (slot == nullptr) return "unknown argument '" + name + "'; declared: " + declared;
    if (slot->given) return "argument '" + name + "' given twice";
    if (value.type != slot->spec->type) {
      return "argument '" + name + "' has type " + arg_type_name(value.type) + ", expected " +
             arg_type_name(slot->spec->type);
    }
    if (value.type == RLLOSS_ARG_STRING) {
      if (value.string == nullptr) return "argument '" + name + "' is a NULL string";
      const std::string problem = check_string(*slot->spec, value.string);
      if (!problem.empty()) return "argument '" + name + "' = '" + value.string + "': " + problem;
      slot->string = value.string;
    } else {
      const std::string problem = check_number(*slot->spec, value.number);
      if (!problem.empty()) {
        return "argument '" + name + "' = " + format_number(value.number) + ": " + problem;
      }
      slot->number = value.number;
    }
    slot->given = true;
  }
  return "";
}

}  // namespace rlloss::contract
