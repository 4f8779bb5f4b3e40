// The one place a kernel of the kit is launched: CUDA's <<<grid, block, 0, stream>>> under nvcc,
// the interpreter's launch when the kernel sources are compiled as C++ for the interpreted device
// (tests/interp/), which names the kernel in its reports.
#pragma once

#include <cuda_runtime.h>

#include <rlloss/kit/cuda_values.cuh>

namespace rlloss::kit::cuda {

// Launches `kernel` on `grid` blocks of kThreads threads; a launch error is left for
// cudaGetLastError(), as with <<<...>>>. `name` names the kernel in the interpreter's reports.
template <class... Params, class... Args>
void launch(const char* name, void (*kernel)(Params...), unsigned grid, cudaStream_t stream,
            Args&&... args) {
#if defined(RLLOSS_INTERPRETED_DEVICE)
  ::rlloss::interp::launch(name, kernel, dim3(grid), dim3(kThreads), 0, stream,
                           std::forward<Args>(args)...);
#else
  (void)name;
  // clang-format would split the closing >>> of a pack expansion.
  // clang-format off
  kernel<<<grid, kThreads, 0, stream>>>(std::forward<Args>(args)...);
  // clang-format on
#endif
}

}  // namespace rlloss::kit::cuda
