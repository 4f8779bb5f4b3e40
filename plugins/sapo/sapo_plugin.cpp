#include <rlloss/kit/plugin.hpp>

#include "sapo_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::sapo::SapoMath)
