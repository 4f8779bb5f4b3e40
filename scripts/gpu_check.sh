#!/usr/bin/env bash
# One command for a GPU machine prepared as ../shared/docs/GPU.md says: builds with CUDA, runs the
# GPU tests and gpu_loss_bench for every plugin, and writes one report into the directory given:
#   scripts/gpu_check.sh OUT_DIR
#     OUT_DIR/report.md        tests passed / failed, GB/s, ratio to a device-to-device copy and
#                              to LibTorch eager (when LibTorch has CUDA), per loss and size
#     OUT_DIR/build.log, gpu_tests.log, cpu_tests.log, gpu_bench.json, nvidia-smi.txt
# Budget: under ten minutes on one GPU (build ~4 min with all cores, tests ~1 min, bench ~2 min).
# Environment: GPU_CHECK_BUILD_DIR (build-gpu), JOBS ($(nproc)), CMAKE_ARGS (extra, e.g.
# -DTorch_DIR=$Torch_DIR, which gpu-env.sh exports), BENCH_MIN_TIME (0.2 s per benchmark).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=${1:?usage: scripts/gpu_check.sh OUT_DIR}
mkdir -p "$out"
build=${GPU_CHECK_BUILD_DIR:-build-gpu}
jobs=${JOBS:-$(nproc)}
start=$SECONDS
report=$out/report.md
stage() { echo "=== gpu_check: $* ($((SECONDS - start)) s)" | tee -a "$out/stages.log"; }

{ nvidia-smi || echo "nvidia-smi failed"; } > "$out/nvidia-smi.txt" 2>&1
torch_dir=()
[ -n "${Torch_DIR:-}" ] && torch_dir=(-DTorch_DIR="$Torch_DIR")

stage "configure and build ($build, $jobs jobs)"
# shellcheck disable=SC2086
if ! { cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRLLOSS_WITH_CUDA=ON \
        -DRLLOSS_BUILD_BENCHMARKS=ON "${torch_dir[@]}" ${CMAKE_ARGS:-} &&
      cmake --build "$build" -j "$jobs"; } > "$out/build.log" 2>&1; then
  { echo "# GPU check: BUILD FAILED"; echo; echo '```'; tail -40 "$out/build.log"; echo '```'; } > "$report"
  cat "$report"
  exit 1
fi

stage "GPU tests (ctest -R gpu)"
ctest --test-dir "$build" -R '^gpu\.' --output-on-failure --timeout 300 > "$out/gpu_tests.log" 2>&1
gpu_status=$?
stage "CPU tests of the plugins (plugin_reference_test)"
ctest --test-dir "$build" -R 'plugin_reference_test|ShippedPlugins|Reference' -j "$jobs" \
  --timeout 300 > "$out/cpu_tests.log" 2>&1
cpu_status=$?

stage "gpu_loss_bench"
"$build/bench/gpu_loss_bench" --benchmark_min_time="${BENCH_MIN_TIME:-0.2}" \
  --benchmark_out="$out/gpu_bench.json" --benchmark_out_format=json > "$out/gpu_bench.txt" 2>&1
bench_status=$?

stage "report"
summary() {
  grep -Eo '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$1" || echo "no summary (see the log)"
}
{
  echo "# GPU check"
  echo
  echo '```'
  head -12 "$out/nvidia-smi.txt"
  echo '```'
  echo
  echo "- GPU tests (gpu.*): $(summary "$out/gpu_tests.log"), $(grep -c 'Skipped' "$out/gpu_tests.log") skipped (exit $gpu_status)"
  echo "- CPU plugin tests: $(summary "$out/cpu_tests.log") (exit $cpu_status)"
  echo "- gpu_loss_bench: exit $bench_status; $((SECONDS - start)) s in all"
  echo
  python3 bench/summarize_gpu_bench.py "$out/gpu_bench.json" 2>&1
} > "$report"
cat "$report"
echo "gpu_check: $((SECONDS - start)) s; report in $report"
[ "$gpu_status" -eq 0 ] && [ "$cpu_status" -eq 0 ] && [ "$bench_status" -eq 0 ]
