// The fused CPU pass for GpgMath, compiled once per instruction set by rlloss_add_plugin().
#include <rlloss/kit/cpu_fused_pass.hpp>

#include "gpg_math.hpp"

RLLOSS_DEFINE_CPU_KERNEL(gpg_example::GpgMath)
