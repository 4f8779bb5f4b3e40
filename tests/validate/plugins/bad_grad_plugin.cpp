#include <rlloss/kit/plugin.hpp>

#include "flawed_sapo_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::validate_test::BadGradMath)
