// What the fused CPU kernels see: the validated call plus the values the CPU backend computed
// before the token pass, and the per-ISA entry points of a plugin's CPU stages.
#pragma once

#include <cstdint>
#include <rlloss/kit/device_call.hpp>
#include <rlloss/kit/type_dispatch.hpp>

namespace rlloss::kit {

struct CpuCall : DeviceCall {
  const double* row_weights = nullptr;    // w_b of the aggregation mode, one per sequence
  const double* row_log_ratio = nullptr;  // the row pre-pass's values, when the loss uses them
};

// The value types the CPU stages serve.
using CpuValueTypes = TypeList<float, double>;

// A plugin's CPU stages that are compiled once per instruction set, for each value type T and
// mask type M: index [IndexIn<T, CpuValueTypes>][IndexIn<M, MaskTypes>].
struct CpuKernels {
  // Writes grad and adds into sums[0] the weighted loss and into sums[1..K] the metric terms.
  // `instance` is the plugin's rlloss::kit::Instance<Math>.
  using TokenPass = void (*)(const void* instance, const CpuCall& call, double* sums);
  // Each row's masked mean of log_prob - old_log_prob.
  using RowLogRatio = void (*)(const CpuCall& call, double* out);
  static constexpr int kValues = TypeCount<CpuValueTypes>::value;
  static constexpr int kMasks = TypeCount<MaskTypes>::value;
  TokenPass token_pass[kValues][kMasks];
  RowLogRatio row_log_ratio[kValues][kMasks];
};

// One definition per instruction set, compiled from the same source with different flags.
namespace isa_generic {
const CpuKernels& cpu_kernels();
}
namespace isa_avx2 {
const CpuKernels& cpu_kernels();
}
namespace isa_avx512 {
const CpuKernels& cpu_kernels();
}

}  // namespace rlloss::kit
