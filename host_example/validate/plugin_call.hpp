// Calls a loss plugin through the C ABI on a Batch and collects its outputs, with the inputs laid
// out as a caller chooses (dtype, mask kind, strides, a broadcast advantage).
#pragma once

#include <rlloss/plugin_api.h>

#include <cstdint>
#include <memory>
#include <rlloss/compute_call.hpp>
#include <rlloss/registry.hpp>
#include <string>
#include <vector>

#include "batch.hpp"

namespace rlloss::validate {

// The compute call's normalisers: -1 counts mean "use the batch's own".
using DpSettings = LossNormalisers;

// How the inputs lie in memory for one call; the values are always the batch's.
struct InputLayout {
  enum class Floats { float64, float32 };  // log_prob, old_log_prob, advantages, IS, gradient
  enum class Mask { uint8, boolean, float64, float32 };
  enum class Order { row_major, padded, column_major };  // padded: a view of every other column
  Floats floats = Floats::float64;
  Mask mask = Mask::uint8;
  Order order = Order::row_major;
  // advantages as one value per row, broadcast with strides (1, 0); the batch's advantages must be
  // constant along each row.
  bool broadcast_advantages = false;
  std::string label() const;  // "float32", "bool mask", "padded strides", ...
};

struct PluginOutput {
  double loss = 0;
  std::vector<double> grad;     // [B, T]
  std::vector<double> metrics;  // in the plugin's metric_names order
};

// One call's tensors, built once and callable again; the buffers stay where they are until the
// object dies, so a check can change or poison them between calls.
class PreparedCall {
 public:
  PreparedCall(const Loss& loss, const Batch& batch, const DpSettings& dp = {},
               const InputLayout& layout = {});
  ~PreparedCall();
  PreparedCall(const PreparedCall&) = delete;
  PreparedCall& operator=(const PreparedCall&) = delete;

  // Fills the outputs with a sentinel, calls the plugin and checks every output was written.
  // Throws RegistryError with the plugin's message when it refuses the call.
  PluginOutput run(int num_threads = 0);
  // Writes `batch`'s values (same shape) into the same input buffers.
  void refill(const Batch& batch);
  // Overwrites every input buffer: NaN in the floats, 0 in the mask.
  void poison_inputs();

 private:
  struct Buffers;
  const Loss& loss_;
  DpSettings dp_;
  std::unique_ptr<Buffers> buffers_;
};

// One call with the given layout.
PluginOutput run_plugin(const Loss& loss, const Batch& batch, const DpSettings& dp = {},
                        int num_threads = 0, const InputLayout& layout = {});

}  // namespace rlloss::validate
