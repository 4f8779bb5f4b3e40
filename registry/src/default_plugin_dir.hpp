// The plugin directory a host finds without being told: the one that belongs to the copy of this
// code that is running, so a build tree and an installed prefix never load each other's plugins.
#pragma once

#include <filesystem>

namespace rlloss {

// <build>/plugins when this code runs from the build tree; when installed, the install's plugin
// directory relative to the program (<prefix>/bin/../lib/rlloss/plugins) or to librlloss_host.so
// (<prefix>/lib/rlloss/plugins), wherever the prefix was moved. Empty when it cannot be told.
std::filesystem::path default_plugin_dir();

}  // namespace rlloss
