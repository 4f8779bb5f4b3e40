// The shipped sapo and ppo_clip plugins, loaded once from the build's plugin directory, and small
// helpers shared by the config tests.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <rlloss/loss_config.hpp>
#include <rlloss/registry.hpp>
#include <string>

namespace rlloss::test {

// Loads only the two shipped plugins by file, so test plugins built elsewhere never interfere.
inline const Registry& shipped_registry() {
  static const Registry* registry = [] {
    auto* loaded = new Registry();
    const std::filesystem::path dir = RLLOSS_TEST_PLUGIN_DIR;
    loaded->load_file(dir / "librlloss_sapo.so");
    loaded->load_file(dir / "librlloss_ppo_clip.so");
    return loaded;
  }();
  return *registry;
}

inline ResolvedLossConfig resolve_text(const std::string& text,
                                       const std::vector<LossOverride>& overrides = {}) {
  return resolve_loss_config(shipped_registry(), parse_trainer_yaml(text, ".", "test.yaml"),
                             overrides);
}

// The message of the RegistryError `action` throws; fails the test when it throws nothing.
inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const RegistryError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a RegistryError";
  return "";
}

}  // namespace rlloss::test
