// SAPO's CUDA path: the kit's fused pass around SapoMath (built when CUDA is enabled).
#include <rlloss/kit/cuda_fused_pass.cuh>

#include "sapo_math.hpp"

RLLOSS_DEFINE_CUDA_KERNEL(rlloss::sapo::SapoMath)
