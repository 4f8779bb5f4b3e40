// Reads a shared library's ELF header and .dynsym without loading it, so that a stray library in
// a plugin directory never runs its constructors just because it is there.
#pragma once

#include <filesystem>
#include <string>

namespace rlloss::detail {

struct ElfVerdict {
  bool is_plugin = false;
  std::string reason;  // why not, when is_plugin is false
};

// A plugin is an ELF shared object for this machine that defines `entry_symbol` in .dynsym
// (.symtab is not enough: stripped libraries have none).
ElfVerdict inspect_plugin_file(const std::filesystem::path& file, const std::string& entry_symbol);

}  // namespace rlloss::detail
