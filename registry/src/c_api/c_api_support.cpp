#include "c_api_support.hpp"

#include <rlloss/contract/error_buffer.hpp>

namespace rlloss::c_api {

void write_message(rlloss_error_buffer* error, const std::string& message) noexcept {
  contract::write_message(error, message);
}

void clear_message(rlloss_error_buffer* error) noexcept {
  write_message(error, "");
}

void require(const void* pointer, const char* what) {
  if (pointer == nullptr) throw RegistryError(std::string(what) + " is NULL");
}

void require_struct_size(uint32_t struct_size, size_t size_1_0, const char* type_name) {
  if (struct_size < size_1_0) {
    throw RegistryError(std::string(type_name) + ".struct_size is " + std::to_string(struct_size) +
                        ", smaller than its ABI 1.0 size " + std::to_string(size_1_0) +
                        " (set it to sizeof(" + type_name + "))");
  }
}

void fill_plugin_info(const LoadedPlugin& plugin, rlloss_host_plugin_info* out) {
  require(out, "the plugin info out-pointer");
  require_struct_size(out->struct_size, RLLOSS_HOST_PLUGIN_INFO_STRUCT_SIZE_1_0,
                      "rlloss_host_plugin_info");
  const rlloss_plugin& table = plugin.table();
  out->name = table.name;
  out->version = table.version ? table.version : "";
  out->description = table.description ? table.description : "";
  out->path = plugin.path().c_str();
  out->devices = table.devices;
  out->metric_names = table.metric_names;
  out->num_metrics = table.num_metrics;
  out->num_args = table.num_args;
  out->abi_major = table.abi_major;
  out->abi_minor = table.abi_minor;
}

void fill_arg(const LossArg& arg, rlloss_host_arg* out) {
  require(out, "the argument out-pointer");
  require_struct_size(out->struct_size, RLLOSS_HOST_ARG_STRUCT_SIZE_1_0, "rlloss_host_arg");
  out->name = arg.spec->name;
  out->type = arg.spec->type;
  out->number = arg.spec->type == RLLOSS_ARG_STRING ? 0.0 : arg.number;
  out->string = arg.string.c_str();
  out->source = arg.source.c_str();
}

}  // namespace rlloss::c_api
