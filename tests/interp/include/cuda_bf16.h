// The interpreted device's stand-in for CUDA's <cuda_bf16.h> (tests/interp/README.md).
#pragma once
#include <rlloss/interp/half_types.hpp>
