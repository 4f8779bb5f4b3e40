#!/usr/bin/env python3
"""Prints the ratios of a cpu_loss_bench JSON run (medians when it has repetitions).

  cpu_loss_bench --benchmark_repetitions=3 --benchmark_out=run.json --benchmark_out_format=json
  bench/summarize_cpu_bench.py run.json

ratio: plugin GB/s / memcpy GB/s (both count bytes read + written; see cpu_loss_bench.cpp).
speed-up: eager time / plugin time.
"""
import json
import sys


def runs(path):
    with open(path) as f:
        data = json.load(f)
    has_medians = any(b.get("aggregate_name") == "median" for b in data["benchmarks"])
    table = {}
    for b in data["benchmarks"]:
        if has_medians and b.get("aggregate_name") != "median":
            continue
        if b.get("error_occurred"):
            continue
        name = b["run_name"] if "run_name" in b else b["name"]
        parts = name.split("/")
        fields = dict(p.split(":") for p in parts if ":" in p)
        variant = "/".join(p for p in parts if ":" not in p and p != "real_time")
        key = (variant, int(fields["tokens"]), int(fields["threads"]))
        table[key] = (b["real_time"], b["time_unit"], b.get("bytes_per_second", 0.0))
    return data.get("context", {}), table


def to_us(value, unit):
    return value * {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[unit]


def main():
    context, table = runs(sys.argv[1])
    print("ISA:", context.get("rlloss_cpu_isa", "?"))
    header = ("loss", "tokens", "thr", "plugin GB/s", "memcpy GB/s", "ratio", "plugin us",
              "eager us", "speed-up")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for loss in ("sapo", "ppo_clip", "gspo", "cispo", "sapo_seq"):
        for (variant, tokens, threads) in sorted(k for k in table if k[0] == "plugin/" + loss):
            plugin = table[(variant, tokens, threads)]
            memcpy = table.get(("memcpy_inputs", tokens, threads))
            eager = table.get(("eager/" + loss, tokens, threads))
            plugin_us = to_us(plugin[0], plugin[1])
            row = [loss, str(tokens), str(threads), "%.2f" % (plugin[2] / 1e9)]
            row += ["%.2f" % (memcpy[2] / 1e9), "%.0f%%" % (100 * plugin[2] / memcpy[2])] \
                if memcpy else ["-", "-"]
            row.append("%.1f" % plugin_us)
            if eager:
                eager_us = to_us(eager[0], eager[1])
                row += ["%.1f" % eager_us, "%.1fx" % (eager_us / plugin_us)]
            else:
                row += ["-", "-"]
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
