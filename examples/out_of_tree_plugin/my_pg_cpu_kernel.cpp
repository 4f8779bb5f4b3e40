// The fused CPU pass for MyPgMath, compiled once per instruction set by rlloss_add_plugin().
#include <rlloss/kit/cpu_fused_pass.hpp>

#include "my_pg_math.hpp"

RLLOSS_DEFINE_CPU_KERNEL(my_pg_example::MyPgMath)
