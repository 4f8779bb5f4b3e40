// RLLOSS_INTERP_ASAN when this translation unit is built with AddressSanitizer (g++ says so with
// __SANITIZE_ADDRESS__, clang 14 with __has_feature), and ASan's interface for fibers and stacks.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define RLLOSS_INTERP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RLLOSS_INTERP_ASAN 1
#endif
#endif

#if defined(RLLOSS_INTERP_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
