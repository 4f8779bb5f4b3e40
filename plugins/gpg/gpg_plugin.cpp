#include <rlloss/kit/plugin.hpp>

#include "gpg_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::gpg::GpgMath)
