#!/usr/bin/env python3
"""The plugins from Python (the rlloss package) against the same formulas in PyTorch eager with
autograd (what verl runs today), on the same tensors in one process: forward + backward, float32,
token-mean, 4K, 256K and 4M tokens. Then the package's fixed cost per call at 4K tokens: its call
(forward, no autograd) minus the C++ plugin call that build/bench/cpu_loss_bench measures in the
same run. Not a test. Prints a Markdown table; ratios are what to read (machines are noisy).

    PYTHONPATH=python /usr/bin/python3 bench/python_loss_bench.py [--build build] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

import torch  # noqa: E402
import torch.utils.benchmark as benchmark  # noqa: E402

import rlloss  # noqa: E402

ROWS = 16  # as bench/bench_batch.hpp (kRows)
TOKENS = (4096, 262144, 4194304)


def batch(tokens: int):
    torch.manual_seed(1234)
    cols = tokens // ROWS
    old = -torch.rand(ROWS, cols) * 4.0
    new = old + torch.randn(ROWS, cols) * 0.2
    adv = torch.randn(ROWS, cols)
    mask = torch.rand(ROWS, cols) < 0.9
    return new, old, adv, mask


def eager_sapo(log_prob, old_log_prob, advantages, mask, tau_pos=1.0, tau_neg=1.05):
    """verl's compute_policy_loss_sapo per-token math, token-mean aggregation."""
    ratio = torch.exp(torch.clamp(log_prob - old_log_prob, -20.0, 20.0))
    taus = torch.where(advantages > 0, torch.tensor(tau_pos), torch.tensor(tau_neg))
    gates = torch.sigmoid(taus * (ratio - 1.0)) * (4.0 / taus)
    losses = -gates * advantages
    m = mask.to(losses.dtype)
    return (losses * m).sum() / m.sum()


def eager_ppo_clip(log_prob, old_log_prob, advantages, mask, low=0.2, high=0.2, c=3.0):
    """verl's compute_policy_loss_vanilla (dual clip), token-mean aggregation."""
    ratio = torch.exp(torch.clamp(log_prob - old_log_prob, -20.0, 20.0))
    l1 = -advantages * ratio
    l2 = -advantages * torch.clamp(ratio, 1 - low, 1 + high)
    clip1 = torch.maximum(l1, l2)
    clip2 = torch.minimum(-advantages * c, clip1)
    losses = torch.where(advantages < 0, clip2, clip1)
    m = mask.to(losses.dtype)
    return (losses * m).sum() / m.sum()


EAGER = {"sapo": eager_sapo, "ppo_clip": eager_ppo_clip}


def median_us(stmt, env) -> float:
    timer = benchmark.Timer(stmt=stmt, globals=env, num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=1.0).median * 1e6


def cpp_plugin_us(build: Path, threads: int) -> dict:
    """The C++ plugin call at 4096 tokens (prebuilt call, no allocation) from cpu_loss_bench."""
    exe = build / "bench" / "cpu_loss_bench"
    if not exe.exists():
        return {}
    out = subprocess.run(
        [
            str(exe),
            f"--benchmark_filter=^plugin/.*/tokens:4096/threads:{threads}/",
            "--benchmark_format=json",
            "--benchmark_repetitions=5",
            "--benchmark_report_aggregates_only=true",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    times = {}
    for entry in json.loads(out)["benchmarks"]:
        if entry.get("aggregate_name") == "median":
            name = entry["run_name"].split("/")[1]
            scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3}[entry["time_unit"]]
            times[name] = entry["real_time"] * scale
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--threads", type=int, default=1)
    options = parser.parse_args()
    torch.set_num_threads(options.threads)
    print(f"torch {torch.__version__}, {options.threads} thread(s), float32, token-mean, {ROWS} rows\n")
    print("| loss | tokens | package fwd+bwd us | eager fwd+bwd us | speed-up |")
    print("|---|---|---|---|---|")
    for name in ("sapo", "ppo_clip"):
        loss = rlloss.load_loss(name)
        loss.num_threads = options.threads
        for tokens in TOKENS:
            new, old, adv, mask = batch(tokens)
            env = dict(loss=loss, eager=EAGER[name], new=new, old=old, adv=adv, mask=mask)
            plugin = median_us(
                "lp = new.detach().requires_grad_(); loss(lp, old, adv, mask)[0].backward()", env
            )
            eager = median_us("lp = new.detach().requires_grad_(); eager(lp, old, adv, mask).backward()", env)
            print(f"| {name} | {tokens} | {plugin:.1f} | {eager:.1f} | {eager / plugin:.1f}x |")

    cpp = cpp_plugin_us(options.build, options.threads)
    print("\nFixed cost of the package per call at 4096 tokens (forward, no autograd graph):\n")
    print("| loss | package call us | C++ plugin call us | package overhead us |")
    print("|---|---|---|---|")
    for name in ("sapo", "ppo_clip"):
        loss = rlloss.load_loss(name)
        loss.num_threads = options.threads
        new, old, adv, mask = batch(4096)
        env = dict(loss=loss, new=new, old=old, adv=adv, mask=mask)
        python = median_us("loss(new, old, adv, mask)", env)
        native = cpp.get(name)
        if native is None:
            print(f"| {name} | {python:.1f} | (cpu_loss_bench not built) | |")
        else:
            print(f"| {name} | {python:.1f} | {native:.1f} | {python - native:.1f} |")


if __name__ == "__main__":
    main()
