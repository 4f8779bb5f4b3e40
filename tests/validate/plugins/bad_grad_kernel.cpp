#include <rlloss/kit/cpu_fused_pass.hpp>

#include "flawed_sapo_math.hpp"

RLLOSS_DEFINE_CPU_KERNEL(rlloss::validate_test::BadGradMath)
