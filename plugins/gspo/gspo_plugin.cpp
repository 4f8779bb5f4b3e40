#include <rlloss/kit/plugin.hpp>

#include "gspo_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::gspo::GspoMath)
