// The kit's fused CUDA pass around CispoMath (built when CUDA is enabled).
#include <rlloss/kit/cuda_fused_pass.cuh>

#include "cispo_math.hpp"

RLLOSS_DEFINE_CUDA_KERNEL(rlloss::cispo::CispoMath)
