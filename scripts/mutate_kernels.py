#!/usr/bin/env python3
"""Applies small mutations to the kit's CUDA kernel sources, one at a time, rebuilds the
interpreted plugins (tests/interp/) and runs the GPU suite on the interpreted device against each.
A mutant is killed when the suite fails (a wrong value, or a fault the interpreter reports).
Every mutant must be killed: the script exits 1 when one survives (or does not compile).

Usage: scripts/mutate_kernels.py [--build-dir build-mutants] [--only NAME ...]
The build folder is configured without CUDA (the interpreted variants need no nvcc). Each source
is restored after its mutant, also on an interrupt.
"""
import argparse
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
KIT = "plugin_api/kit/include/rlloss/kit/"

# (name, file, text, replacement): `text` must occur exactly once in `file`.
MUTANTS = [
    ("drop the barrier before a block sum's shared read", KIT + "cuda_values.cuh",
     "  if (threadIdx.x % 32 == 0) shared_warps[warp] = value;\n  __syncthreads();\n",
     "  if (threadIdx.x % 32 == 0) shared_warps[warp] = value;\n"),
    ("drop the barrier that ends a block sum", KIT + "cuda_values.cuh",
     "  for (int w = 0; w < kWarps; ++w) total += shared_warps[w];\n  __syncthreads();\n",
     "  for (int w = 0; w < kWarps; ++w) total += shared_warps[w];\n"),
    ("drop the barrier in finalize", KIT + "cuda_token_kernels.cuh",
     "    if (lane == 0) sums[s] = value;\n  }\n  __syncthreads();\n",
     "    if (lane == 0) sums[s] = value;\n  }\n"),
    ("start the warp sum's shuffle offset at 8", KIT + "cuda_values.cuh",
     "for (int offset = 16; offset > 0; offset >>= 1)",
     "for (int offset = 8; offset > 0; offset >>= 1)"),
    ("shuffle one lane too far", KIT + "cuda_values.cuh",
     "__shfl_down_sync(0xffffffffu, value, offset)",
     "__shfl_down_sync(0xffffffffu, value, offset + 1)"),
    ("leave lane 31 out of the shuffle mask", KIT + "cuda_values.cuh",
     "__shfl_down_sync(0xffffffffu, value, offset)",
     "__shfl_down_sync(0x7fffffffu, value, offset)"),
    ("shift the token pass's index by one", KIT + "cuda_token_kernels.cuh",
     "const int64_t first = static_cast<int64_t>(blockIdx.x) * kTokensPerBlock + threadIdx.x;",
     "const int64_t first = static_cast<int64_t>(blockIdx.x) * kTokensPerBlock + threadIdx.x + 1;"),
    ("write each row's length one row down", KIT + "cuda_row_kernels.cuh",
     "if (threadIdx.x == 0) lengths[blockIdx.x] = count;",
     "if (threadIdx.x == 0) lengths[blockIdx.x + 1 < gridDim.x ? blockIdx.x + 1 : 0] = count;"),
    ("drop the token pass's tail block", KIT + "cuda_fused_pass.cuh",
     "return (c.rows * c.cols + kTokensPerBlock - 1) / kTokensPerBlock;",
     "return c.rows * c.cols / kTokensPerBlock;"),
    ("finalize skips the last block's partial sums", KIT + "cuda_token_kernels.cuh",
     "for (int64_t block = lane; block < blocks; block += 32)",
     "for (int64_t block = lane; block + 1 < blocks; block += 32)"),
    ("skip the atomic that flags a bad mask", KIT + "cuda_row_kernels.cuh",
     "if (!binary) atomicOr(flags, kInvalidMask);",
     "(void)binary, (void)flags;"),
    ("skip the atomic that flags a short global count", KIT + "cuda_row_kernels.cuh",
     "atomicOr(flags, kInvalidGlobalCount);",
     "(void)flags;"),
    ("the row pre-pass reads the last column's masked token", KIT + "cuda_row_kernels.cuh",
     "if (mask[b * s.mask[0] + t * s.mask[1]] == M(0)) continue;",
     "if (mask[b * s.mask[0] + t * s.mask[1]] == M(0) && t + 1 < cols) continue;"),
    ("the row pre-pass stops a thread early", KIT + "cuda_row_kernels.cuh",
     "for (int64_t t = threadIdx.x; t < cols; t += kThreads) {\n    // Masked",
     "for (int64_t t = threadIdx.x; t + kThreads < cols; t += kThreads) {\n    // Masked"),
]

TARGETS = ["rlloss_sapo_interp", "rlloss_ppo_clip_interp", "rlloss_gspo_interp",
           "rlloss_cispo_interp", "interp_parity_test"]


def run(command, **kwargs):
    return subprocess.run(command, cwd=ROOT, text=True, capture_output=True, **kwargs)


def configure(build_dir):
    if (ROOT / build_dir / "CMakeCache.txt").exists():
        return
    result = run(["cmake", "-S", ".", "-B", build_dir, "-G", "Ninja",
                  "-DCMAKE_BUILD_TYPE=Release", "-DRLLOSS_WITH_CUDA=OFF",
                  "-DRLLOSS_BUILD_BENCHMARKS=OFF"])
    if result.returncode != 0:
        sys.exit("configure failed:\n" + result.stdout + result.stderr)


def build(build_dir):
    return run(["ninja", "-C", build_dir] + TARGETS)


def suite(build_dir):
    test = ROOT / build_dir / "tests/interp/test/interp_parity_test"
    try:
        return run([str(test), "--gtest_brief=1"], timeout=600)
    except subprocess.TimeoutExpired:
        return None


def verdict(result):
    if result is None:
        return "killed (the suite timed out)"
    if result.returncode == 0:
        return "SURVIVED"
    output = result.stdout + result.stderr
    for line in output.splitlines():
        if line.startswith("rlloss interpreted device:"):
            return "killed: " + line[len("rlloss interpreted device: "):][:160]
    failed = [l for l in output.splitlines() if l.startswith("[  FAILED  ]")]
    return "killed: " + (failed[0][13:] if failed else "the suite failed") + " (wrong values)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default="build-mutants")
    parser.add_argument("--only", nargs="*", help="run only mutants whose name contains these")
    args = parser.parse_args()
    configure(args.build_dir)
    baseline = build(args.build_dir)
    if baseline.returncode != 0:
        sys.exit("the unmutated build fails:\n" + baseline.stdout[-3000:])
    result = suite(args.build_dir)
    if result is None or result.returncode != 0:
        sys.exit("the suite fails without a mutant: fix that first")
    survivors = 0
    mutants = [m for m in MUTANTS if not args.only or any(o in m[0] for o in args.only)]
    for name, file, text, replacement in mutants:
        path = ROOT / file
        original = path.read_text()
        if original.count(text) != 1:
            sys.exit(f"mutant '{name}': its text occurs {original.count(text)} times in {file}")
        start = time.time()
        try:
            path.write_text(original.replace(text, replacement))
            built = build(args.build_dir)
            outcome = ("INVALID: does not compile" if built.returncode != 0
                       else verdict(suite(args.build_dir)))
        finally:
            path.write_text(original)
            os.utime(path)
        survivors += not outcome.startswith("killed")
        print(f"{name:52} {outcome}  ({time.time() - start:.0f} s)", flush=True)
    build(args.build_dir)  # leave the folder built from the unmutated sources
    print(f"{len(mutants) - survivors} of {len(mutants)} mutants killed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
