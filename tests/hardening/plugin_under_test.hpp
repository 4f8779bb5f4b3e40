// A shipped plugin loaded through the registry, called through its raw C table so a test sees the
// status code and message exactly as a foreign host would.
#pragma once

#include <rlloss/plugin_api.h>

#include <memory>
#include <rlloss/registry.hpp>
#include <string>

namespace rlloss::test {

struct ComputeResult {
  rlloss_status status = RLLOSS_OK;
  std::string message;
};

class PluginUnderTest {
 public:
  explicit PluginUnderTest(const std::string& file) : plugin_(registry_.load_file(file)) {
    char text[512] = {};
    rlloss_error_buffer error{sizeof(rlloss_error_buffer), text, sizeof text};
    if (table().create(nullptr, 0, &instance_, &error) != RLLOSS_OK) {
      throw RegistryError(std::string("cannot create a default instance: ") + text);
    }
  }
  ~PluginUnderTest() { table().destroy(instance_); }
  PluginUnderTest(const PluginUnderTest&) = delete;
  PluginUnderTest& operator=(const PluginUnderTest&) = delete;

  const rlloss_plugin& table() const { return plugin_->table(); }
  const rlloss_instance* instance() const { return instance_; }

  ComputeResult compute(const rlloss_compute_call* call) const {
    return compute_on(instance_, call);
  }
  ComputeResult compute_on(const rlloss_instance* instance, const rlloss_compute_call* call) const {
    char text[1024] = {};
    rlloss_error_buffer error{sizeof(rlloss_error_buffer), text, sizeof text};
    ComputeResult result;
    result.status = table().compute(instance, call, &error);
    result.message = text;
    return result;
  }

 private:
  Registry registry_;
  std::shared_ptr<const LoadedPlugin> plugin_;
  rlloss_instance* instance_ = nullptr;
};

}  // namespace rlloss::test
