// The kit's fused CUDA pass around GspoMath (built when CUDA is enabled).
#include <rlloss/kit/cuda_fused_pass.cuh>

#include "gspo_math.hpp"

RLLOSS_DEFINE_CUDA_KERNEL(rlloss::gspo::GspoMath)
