// GPG's CUDA path: the kit's fused pass around GpgMath (built when CUDA is enabled).
#include <rlloss/kit/cuda_fused_pass.cuh>

#include "gpg_math.hpp"

RLLOSS_DEFINE_CUDA_KERNEL(rlloss::gpg::GpgMath)
