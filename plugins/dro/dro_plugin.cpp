#include <rlloss/kit/plugin.hpp>

#include "dro_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::dro::DroMath)
