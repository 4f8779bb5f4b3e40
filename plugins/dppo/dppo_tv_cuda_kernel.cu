// dppo_tv's CUDA path: the kit's fused pass around DppoMath<TotalVariation> (built when CUDA is
// enabled).
#include <rlloss/kit/cuda_fused_pass.cuh>

#include "dppo_math.hpp"

RLLOSS_DEFINE_CUDA_KERNEL(rlloss::dppo::DppoMath<rlloss::dppo::TotalVariation>)
