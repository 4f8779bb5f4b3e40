#!/usr/bin/env bash
# CI hardening stage (issue 4), after scripts/setup.sh has installed the main packages:
#   1. the test suites under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan, clang);
#   2. both libFuzzer targets, from the same build, for FUZZ_SECONDS each, failing on any crash,
#      leak or sanitizer report (one clang build serves both: the plugins and the registry are
#      built once);
#   3. the concurrency and lifecycle tests under ThreadSanitizer (build-tsan, g++).
# CUDA is off in every build. Environment:
#   ASAN_SCOPE=all    (default) every test, LibTorch ones included (about 11 min of build and 4 of
#                     tests on 2 cores; the pytest files are not among them: an ASan-built library
#                     cannot load into python3); =core the suites that need no LibTorch: abi,
#                     registry, config, hardening, the host C API program (a quick local check)
#   FUZZ_SECONDS=60   per fuzz target
#   JOBS=$(nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang libclang-rt-14-dev libomp-dev)
scripts/install_packages.sh ci_hardening "${packages[@]}"

jobs=${JOBS:-$(nproc)}
scope=${ASAN_SCOPE:-all}
fuzz_seconds=${FUZZ_SECONDS:-60}
supp=$PWD/tests/sanitizers
common=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRLLOSS_WERROR=ON -DRLLOSS_WITH_CUDA=OFF
  -DRLLOSS_BUILD_BENCHMARKS=OFF)
start=$SECONDS
stage() { echo "=== ci_hardening: $* ($((SECONDS - start)) s)"; }

stage "ASan+UBSan build with the fuzzers, clang ($scope)"
# A build-asan configured with another compiler (g++) cannot switch: start it afresh.
if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++' build-asan/CMakeCache.txt; then
  rm -rf build-asan
fi
CC=clang CXX=clang++ cmake -S . -B build-asan "${common[@]}" -DRLLOSS_BUILD_FUZZERS=ON \
  "-DRLLOSS_SANITIZE=address;undefined"
ninja -C build-asan -j "$jobs" rlloss_fuzz_yaml_resolution rlloss_fuzz_compute
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:suppressions=$supp/asan.supp"
# use_tls=0: see tests/sanitizers/lsan.supp.
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0:use_tls=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$supp/ubsan.supp"
if [ "$scope" = all ]; then
  cmake --build build-asan -j "$jobs"
  stage "ASan+UBSan ctest (every suite)"
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
else
  core=(tests/abi/rlloss_abi_tests tests/registry/rlloss_registry_tests tests/config/config_test
    tests/hardening/rlloss_hardening_tests tests/host_api/rlloss_host_api_c_test)
  ninja -C build-asan -j "$jobs" "${core[@]##*/}"
  for test in "${core[@]}"; do
    stage "ASan+UBSan $test"
    "build-asan/$test" --gtest_brief=1
  done
fi
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

for target in yaml_resolution compute; do
  stage "fuzzing $target for ${fuzz_seconds} s"
  work=build-asan/corpus/$target
  mkdir -p "$work"
  (cd build-asan && UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    ASAN_OPTIONS="allocator_may_return_null=1" \
    "./fuzz/rlloss_fuzz_$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=4096 "corpus/$target" "../fuzz/corpus/$target" 2>&1 |
    grep -v '^#[0-9]*.*\(NEW\|REDUCE\|pulse\)')
done

stage "TSan build"
cmake -S . -B build-tsan "${common[@]}" -DRLLOSS_SANITIZE=thread
ninja -C build-tsan -j "$jobs" rlloss_hardening_tests
stage "TSan concurrency and lifecycle tests"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$supp/tsan.supp" \
  build-tsan/tests/hardening/rlloss_hardening_tests \
  --gtest_filter='*OneInstanceManyThreads*:RegistryUnderConcurrentLoad*:Lifecycle*'

stage "done"
