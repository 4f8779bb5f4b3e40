#include <rlloss/kit/plugin.hpp>

#include "cispo_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::cispo::CispoMath)
