// Compiled once per instruction set (see rlloss_add_plugin in cmake/RllossPlugin.cmake).
#include <rlloss/kit/cpu_fused_pass.hpp>

#include "dppo_math.hpp"

RLLOSS_DEFINE_CPU_KERNEL(rlloss::dppo::DppoMath<rlloss::dppo::TotalVariation>)
