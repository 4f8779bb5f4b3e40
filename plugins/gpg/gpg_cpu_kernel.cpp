// Compiled once per instruction set (see rlloss_add_plugin in cmake/RllossPlugin.cmake).
#include <rlloss/kit/cpu_fused_pass.hpp>

#include "gpg_math.hpp"

RLLOSS_DEFINE_CPU_KERNEL(rlloss::gpg::GpgMath)
