#include <rlloss/loss_args.hpp>
#include <rlloss/registry_error.hpp>

namespace rlloss {

LossArgs::LossArgs(const rlloss_plugin& table) : loss_name_(table.name) {
  for (contract::ArgSlot& slot : contract::declared_slots(table.args, table.num_args)) {
    entries_.push_back(LossArg{std::move(slot), ""});
  }
}

const LossArg* LossArgs::find(const std::string& name) const {
  for (const LossArg& entry : entries_) {
    if (name == entry.spec->name) return &entry;
  }
  return nullptr;
}

const LossArg& LossArgs::at(const std::string& name) const {
  const LossArg* found = find(name);
  if (found == nullptr) {
    std::string declared;
    for (const LossArg& entry : entries_) declared += (declared.empty() ? "" : ", ") + entry.name();
    throw RegistryError("loss '" + loss_name_ + "' declares no argument '" + name +
                        "'; declared: " + declared);
  }
  return *found;
}

LossArg& LossArgs::entry(const std::string& name) {
  return const_cast<LossArg&>(at(name));
}

void LossArgs::set(const std::string& name, double number, const std::string& source) {
  LossArg& arg = entry(name);
  const std::string problem = arg.spec->type == RLLOSS_ARG_STRING
                                  ? "a number where a string belongs"
                                  : contract::check_number(*arg.spec, number);
  if (!problem.empty()) {
    throw RegistryError("argument '" + name + "' = " + contract::format_number(number) + ": " +
                        problem);
  }
  arg.number = number;
  arg.given = true;
  arg.source = source;
}

void LossArgs::set_string(const std::string& name, const std::string& text,
                          const std::string& source) {
  LossArg& arg = entry(name);
  const std::string problem =
      arg.spec->type != RLLOSS_ARG_STRING
          ? std::string("a string where a ") + contract::arg_type_name(arg.spec->type) + " belongs"
          : contract::check_string(*arg.spec, text);
  if (!problem.empty()) throw RegistryError("argument '" + name + "' = '" + text + "': " + problem);
  arg.string = text;
  arg.given = true;
  arg.source = source;
}

void LossArgs::set_create_values(const rlloss_arg_value* values, uint32_t num_values) {
  const std::string problem = contract::read_arg_values(entries_, values, num_values);
  if (!problem.empty()) throw RegistryError("plugin '" + loss_name_ + "': " + problem);
  for (LossArg& arg : entries_) {
    if (arg.given && arg.source.empty()) arg.source = "given";
  }
}

void LossArgs::apply_defaults() {
  const std::string problem = contract::apply_defaults(entries_);
  if (!problem.empty()) throw RegistryError("loss '" + loss_name_ + "': " + problem);
  for (LossArg& arg : entries_) {
    if (arg.given) continue;
    arg.source = arg.spec->default_from != nullptr
                     ? std::string("default_from ") + arg.spec->default_from
                     : "default";
  }
}

std::vector<rlloss_arg_value> LossArgs::create_values() const {
  std::vector<rlloss_arg_value> values;
  for (const LossArg& arg : entries_) {
    rlloss_arg_value value{};
    value.struct_size = sizeof(rlloss_arg_value);
    value.name = arg.spec->name;
    value.type = arg.spec->type;
    value.number = arg.spec->type == RLLOSS_ARG_STRING ? 0.0 : arg.number;
    value.string = arg.string.c_str();
    values.push_back(value);
  }
  return values;
}

}  // namespace rlloss
