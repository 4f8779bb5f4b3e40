// DRO's CUDA path: the kit's fused pass around DroMath (built when CUDA is enabled).
#include <rlloss/kit/cuda_fused_pass.cuh>

#include "dro_math.hpp"

RLLOSS_DEFINE_CUDA_KERNEL(rlloss::dro::DroMath)
