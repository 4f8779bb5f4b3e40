#include <rlloss/kit/plugin.hpp>

#include "dppo_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::dppo::DppoMath<rlloss::dppo::TotalVariation>)
