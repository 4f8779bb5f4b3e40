// The one exception type of the host library.
#pragma once

#include <rlloss/plugin_api.h>

#include <stdexcept>
#include <string>

namespace rlloss {

// Every error the registry, the YAML reader or a plugin call reports to the host. `status` is the
// plugin's own status when a plugin call failed, else RLLOSS_ERROR_INVALID_ARGUMENT.
class RegistryError : public std::runtime_error {
 public:
  explicit RegistryError(const std::string& message,
                         rlloss_status status = RLLOSS_ERROR_INVALID_ARGUMENT)
      : std::runtime_error(message), status_(status) {}
  rlloss_status status() const { return status_; }

 private:
  rlloss_status status_;
};

}  // namespace rlloss
