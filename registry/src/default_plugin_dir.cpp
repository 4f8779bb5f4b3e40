#include "default_plugin_dir.hpp"

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>
#include <string>
#include <system_error>

// Set by registry/CMakeLists.txt.
#ifndef RLLOSS_BUILD_TREE
#define RLLOSS_BUILD_TREE ""
#endif
#ifndef RLLOSS_BUILD_PLUGIN_DIR
#define RLLOSS_BUILD_PLUGIN_DIR ""
#endif
#ifndef RLLOSS_PLUGIN_DIR_FROM_BINDIR
#define RLLOSS_PLUGIN_DIR_FROM_BINDIR ""
#endif
#ifndef RLLOSS_PLUGIN_DIR_FROM_LIBDIR
#define RLLOSS_PLUGIN_DIR_FROM_LIBDIR ""
#endif

namespace rlloss {
namespace fs = std::filesystem;

namespace {

bool is_shared_library(const fs::path& file) {
  const std::string name = file.filename().string();
  return name.size() > 3 &&
         (name.find(".so.") != std::string::npos || name.compare(name.size() - 3, 3, ".so") == 0);
}

// The file this code was linked into: the program, or librlloss_host.so (Python, C hosts).
fs::path running_binary() {
  boost::dll::fs::error_code error;
  fs::path file = boost::dll::this_line_location(error).string();
  // dladdr names the main program by its argv[0], which may be relative to a directory the
  // process has left since; the kernel's link is exact.
  if (error || !is_shared_library(file)) {
    error.clear();
    file = boost::dll::program_location(error).string();
    if (error) return {};
  }
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(file, ec);
  return ec ? file : canonical;
}

bool is_inside(const fs::path& file, const fs::path& dir) {
  const auto [dir_end, file_end] = std::mismatch(dir.begin(), dir.end(), file.begin(), file.end());
  (void)file_end;
  return !dir.empty() && dir_end == dir.end();
}

}  // namespace

fs::path default_plugin_dir() {
  const fs::path binary = running_binary();
  if (binary.empty()) return {};
  std::error_code ec;
  const fs::path build_tree = fs::weakly_canonical(RLLOSS_BUILD_TREE, ec);
  if (*RLLOSS_BUILD_TREE != '\0' && !ec && is_inside(binary, build_tree)) {
    return RLLOSS_BUILD_PLUGIN_DIR;
  }
  const char* relative =
      is_shared_library(binary) ? RLLOSS_PLUGIN_DIR_FROM_LIBDIR : RLLOSS_PLUGIN_DIR_FROM_BINDIR;
  if (*relative == '\0') return {};
  return (binary.parent_path() / relative).lexically_normal();
}

}  // namespace rlloss
