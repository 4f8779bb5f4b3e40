// Which CPU kernel of a plugin runs: each kernel source is compiled once per instruction set
// (rlloss_add_plugin), and the best one this machine supports is picked at run time.
#pragma once

#include <cstdlib>
#include <rlloss/kit/cpu_call.hpp>
#include <string>

namespace rlloss::kit {

// The CPU kernels for this machine: AVX-512 or AVX2 where present, else the generic build.
// RLLOSS_CPU_ISA=generic|avx2|avx512 in the environment forces one (for tests and benchmarks).
inline const CpuKernels& select_cpu_kernels() {
#if defined(RLLOSS_HAVE_X86_ISA_KERNELS)
  __builtin_cpu_init();
#if defined(__clang__)
  // Clang 14 does not know the level names: check each level's defining features instead.
  const bool has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                        __builtin_cpu_supports("bmi2");
  const bool has_avx512 = has_avx2 && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
  const bool has_avx512 = __builtin_cpu_supports("x86-64-v4");
  const bool has_avx2 = __builtin_cpu_supports("x86-64-v3");
#endif
  const char* forced = std::getenv("RLLOSS_CPU_ISA");
  const std::string choice = forced ? forced : "";
  if (choice == "generic") return isa_generic::cpu_kernels();
  if (choice == "avx2" && has_avx2) return isa_avx2::cpu_kernels();
  if ((choice.empty() || choice == "avx512") && has_avx512) return isa_avx512::cpu_kernels();
  if (has_avx2) return isa_avx2::cpu_kernels();
#endif
  return isa_generic::cpu_kernels();
}

inline const char* cpu_kernels_name(const CpuKernels& kernels) {
#if defined(RLLOSS_HAVE_X86_ISA_KERNELS)
  if (&kernels == &isa_avx512::cpu_kernels()) return "avx512";
  if (&kernels == &isa_avx2::cpu_kernels()) return "avx2";
#endif
  (void)kernels;
  return "generic";
}

}  // namespace rlloss::kit
