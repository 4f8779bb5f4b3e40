// libm's log and expm1 for the scalar C of the CPU and CUDA passes (float or double), for a Math
// that runs scalar only (no kVectorToken) because it needs them: the kit's vector types have no
// log. Under nvcc these are CUDA's device functions of the same names.
#pragma once

#include <cmath>
#include <rlloss/kit/device_macros.hpp>

namespace rlloss::kit {

RLLOSS_ALWAYS_INLINE float log_of(float x) {
  return ::logf(x);
}
RLLOSS_ALWAYS_INLINE double log_of(double x) {
  return ::log(x);
}

// exp(x) - 1 without the cancellation of exp(x) - 1 near x = 0.
RLLOSS_ALWAYS_INLINE float expm1_of(float x) {
  return ::expm1f(x);
}
RLLOSS_ALWAYS_INLINE double expm1_of(double x) {
  return ::expm1(x);
}

}  // namespace rlloss::kit
