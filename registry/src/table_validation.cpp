#include "table_validation.hpp"

#include <cctype>
#include <cstddef>
#include <rlloss/contract/arg_schema.hpp>
#include <rlloss/contract/versioned_array.hpp>
#include <set>

namespace rlloss::detail {
namespace {

// The first ABI 1 table ended at `destroy`.
constexpr size_t kTableMinSize = RLLOSS_PLUGIN_STRUCT_SIZE_1_0;
constexpr size_t kArgSpecMinSize = RLLOSS_ARG_SPEC_STRUCT_SIZE_1_0;

std::string arg_problem(const rlloss_arg_spec& spec, const std::set<std::string>& names) {
  const std::string where = std::string("argument '") + spec.name + "'";
  switch (spec.type) {
    case RLLOSS_ARG_FLOAT:
    case RLLOSS_ARG_INT:
    case RLLOSS_ARG_BOOL: {
      if (spec.default_from != nullptr || contract::is_required(spec)) break;
      const std::string problem = contract::check_number(spec, spec.default_number);
      if (!problem.empty()) {
        return where + " has default " + contract::format_number(spec.default_number) + ": " +
               problem;
      }
      break;
    }
    case RLLOSS_ARG_STRING: {
      if (spec.num_choices > 0 && spec.choices == nullptr) return where + " has NULL choices";
      if (spec.default_from != nullptr) break;
      if (spec.default_string == nullptr) return where + " has no default string";
      const std::string problem = contract::check_string(spec, spec.default_string);
      if (!problem.empty()) {
        return where + " has default '" + spec.default_string + "': " + problem;
      }
      break;
    }
    default: return where + " has unknown type " + std::to_string(spec.type);
  }
  if (spec.default_from != nullptr && names.count(spec.default_from) == 0) {
    return where + " defaults to undeclared argument '" + spec.default_from + "'";
  }
  return "";
}

}  // namespace

bool is_identifier(const char* text) {
  if (text == nullptr || *text == '\0') return false;
  if (!std::isalpha(static_cast<unsigned char>(*text)) && *text != '_') return false;
  for (const char* c = text; *c != '\0'; ++c) {
    if (!std::isalnum(static_cast<unsigned char>(*c)) && *c != '_') return false;
  }
  return true;
}

std::string table_problem(const rlloss_plugin* table) {
  if (table == nullptr) return "its entry point returned NULL";
  if (table->abi_major != RLLOSS_ABI_VERSION_MAJOR) {
    return "it was built for rlloss ABI " + std::to_string(table->abi_major) + "." +
           std::to_string(table->abi_minor) + " but this host speaks ABI " +
           std::to_string(RLLOSS_ABI_VERSION_MAJOR) + "." +
           std::to_string(RLLOSS_ABI_VERSION_MINOR) + " (the major versions must match)";
  }
  if (table->struct_size < kTableMinSize) {
    return "its table struct_size " + std::to_string(table->struct_size) +
           " is smaller than ABI 1.0's " + std::to_string(kTableMinSize);
  }
  if (table->name == nullptr || *table->name == '\0') return "its name is empty";
  if (!is_identifier(table->name)) {
    return std::string("its name '") + table->name +
           "' is not an identifier (letters, digits, '_')";
  }
  if (table->create == nullptr || table->compute == nullptr || table->destroy == nullptr) {
    return "its create, compute or destroy function is NULL";
  }
  if (table->num_metrics > 0 && table->metric_names == nullptr) return "its metric_names is NULL";
  for (uint32_t i = 0; i < table->num_metrics; ++i) {
    if (!is_identifier(table->metric_names[i]))
      return "metric " + std::to_string(i) + " has a bad name";
  }
  if (table->num_args > 0 && table->args == nullptr) return "its argument schema is NULL";
  const std::string layout =
      contract::array_problem(table->args, table->num_args, kArgSpecMinSize, "rlloss_arg_spec");
  if (!layout.empty()) return "its argument schema cannot be read: " + layout;
  std::set<std::string> names;
  for (uint32_t i = 0; i < table->num_args; ++i) {
    const rlloss_arg_spec& spec = contract::versioned_at(table->args, i);
    if (!is_identifier(spec.name)) return "argument " + std::to_string(i) + " has a bad name";
    if (spec.doc == nullptr) return std::string("argument '") + spec.name + "' has no doc string";
    if (!names.insert(spec.name).second) {
      return std::string("argument '") + spec.name + "' is declared twice";
    }
  }
  for (uint32_t i = 0; i < table->num_args; ++i) {
    const std::string problem = arg_problem(contract::versioned_at(table->args, i), names);
    if (!problem.empty()) return problem;
  }
  return "";
}

}  // namespace rlloss::detail
