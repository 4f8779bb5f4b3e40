// Where the registry tests' plugin zoo was built (see plugins/CMakeLists.txt).
#pragma once

#include <filesystem>
#include <string>

namespace rlloss::test {

// A scenario directory of the zoo ("mixed", "dup", "toy", "stripped"), canonical so that paths
// compare equal to the ones the registry reports.
inline std::filesystem::path zoo_dir(const std::string& scenario) {
  return std::filesystem::canonical(RLLOSS_TEST_ZOO_DIR) / scenario;
}

inline std::filesystem::path zoo_file(const std::string& scenario, const std::string& file) {
  return zoo_dir(scenario) / file;
}

inline std::filesystem::path toy_plugin_file() {
  return zoo_file("toy", "librlloss_toy.so");
}

}  // namespace rlloss::test
