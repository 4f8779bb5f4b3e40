#include <rlloss/kit/plugin.hpp>

#include "ppo_clip_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::ppo_clip::PpoClipMath)
