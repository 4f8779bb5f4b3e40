// A loss's arguments as the host holds them: one entry per argument its plugin declares, in the
// schema's order, each with its value and where that value came from. The schema entries belong
// to the plugin's library, which stays mapped while the process runs.
#pragma once

#include <rlloss/plugin_api.h>

#include <rlloss/contract/arg_schema.hpp>
#include <string>
#include <vector>

namespace rlloss {

struct LossArg : contract::ArgSlot {
  // "default", "default_from clip_ratio", a YAML key path ("actor_rollout_ref.actor.tau_pos"),
  // "override", or "given" (passed by a caller of the host C API).
  std::string source;

  std::string name() const { return spec->name; }
  // The value as text: "0.2", "3", "true", "token-mean".
  std::string text() const { return contract::format_slot_value(*this); }
};

class LossArgs {
 public:
  LossArgs() = default;
  // Every argument `table` declares, none set yet. `loss_name` is for messages.
  explicit LossArgs(const rlloss_plugin& table);

  const std::string& loss_name() const { return loss_name_; }
  const std::vector<LossArg>& entries() const { return entries_; }

  const LossArg* find(const std::string& name) const;  // null when not declared
  // The entry `name`; a RegistryError listing the declared names when there is none.
  const LossArg& at(const std::string& name) const;
  double number(const std::string& name) const { return at(name).number; }
  const std::string& string(const std::string& name) const { return at(name).string; }

  // Sets a FLOAT, INT or BOOL argument (set) or a STRING one (set_string) after checking the
  // value against the schema; a RegistryError names the argument, the value and what is allowed.
  void set(const std::string& name, double number, const std::string& source);
  void set_string(const std::string& name, const std::string& text, const std::string& source);

  // Sets the arguments a caller of create() passes, with create()'s own checks and messages
  // (contract::read_arg_values); their source is "given".
  void set_create_values(const rlloss_arg_value* values, uint32_t num_values);

  // Fills every argument not set: its schema default, or the value of its `default_from`
  // argument. Sets each filled entry's source. A RegistryError names an argument that has no
  // default (contract::is_required) and was not set.
  void apply_defaults();

  // The values as a plugin's create() takes them; the strings point into this object.
  std::vector<rlloss_arg_value> create_values() const;

 private:
  LossArg& entry(const std::string& name);

  std::string loss_name_;
  std::vector<LossArg> entries_;
};

}  // namespace rlloss
