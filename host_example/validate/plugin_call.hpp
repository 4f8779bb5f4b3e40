// Calls a loss plugin through the C ABI on a float64 Batch and collects its outputs.
#pragma once

#include <cstdint>
#include <rlloss/registry.hpp>
#include <vector>

#include "batch.hpp"

namespace rlloss::validate {

// The compute call's normalisers: -1 counts mean "use the batch's own".
struct DpSettings {
  int64_t global_token_count = -1;
  int64_t global_seq_count = -1;
  int64_t dp_size = 1;
};

struct PluginOutput {
  double loss = 0;
  std::vector<double> grad;     // [B, T]
  std::vector<double> metrics;  // in the plugin's metric_names order
};

// Throws RegistryError with the plugin's message when the plugin refuses the call.
PluginOutput run_plugin(const Loss& loss, const Batch& batch, const DpSettings& dp = {},
                        int num_threads = 0);

}  // namespace rlloss::validate
