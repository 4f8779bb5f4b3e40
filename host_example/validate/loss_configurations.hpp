// The configurations `validate` creates a plugin in: its schema defaults, plus each other value of
// its `loss_agg_mode` choices when it declares that argument.
#pragma once

#include <memory>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

namespace rlloss::validate {

struct LossConfiguration {
  std::string label;           // "token-mean (default)", "token-sum", or "defaults"
  std::shared_ptr<Loss> loss;  // null when create failed
  std::string error;           // why create failed
};

std::vector<LossConfiguration> loss_configurations(const Registry& registry,
                                                   const std::string& loss_mode);

}  // namespace rlloss::validate
