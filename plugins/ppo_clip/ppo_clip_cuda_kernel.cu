// PPO-clip's CUDA path: the kit's fused pass around PpoClipMath (built when CUDA is enabled).
#include <rlloss/kit/cuda_fused_pass.cuh>

#include "ppo_clip_math.hpp"

RLLOSS_DEFINE_CUDA_KERNEL(rlloss::ppo_clip::PpoClipMath)
