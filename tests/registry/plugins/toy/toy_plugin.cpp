#include "toy_math.hpp"

RLLOSS_DEFINE_PLUGIN(rlloss::test::ToyMath)
