// What the fused CPU kernels see: the validated call plus the values the CPU backend computed
// before the token pass, and the per-ISA kernel entry points.
#pragma once

#include <cstdint>
#include <rlloss/kit/device_call.hpp>

namespace rlloss::kit {

struct CpuCall : DeviceCall {
  const double* row_weights = nullptr;    // w_b of the aggregation mode, one per sequence
  const double* row_log_ratio = nullptr;  // the row pre-pass's values, when the loss uses them
};

// Writes grad and adds into sums[0] the weighted loss and into sums[1..K] the metric terms.
// `instance` is the plugin's rlloss::kit::Instance<Math>.
using CpuKernelFn = void (*)(const void* instance, const CpuCall& call, double* sums);

// One definition per instruction set, compiled from the same source with different flags.
namespace isa_generic {
void cpu_kernel(const void* instance, const CpuCall& call, double* sums);
}
namespace isa_avx2 {
void cpu_kernel(const void* instance, const CpuCall& call, double* sums);
}
namespace isa_avx512 {
void cpu_kernel(const void* instance, const CpuCall& call, double* sums);
}

}  // namespace rlloss::kit
