#!/usr/bin/env python3
"""Prints a gpu_loss_bench JSON run as a table of GB/s and ratios (scripts/gpu_check.sh uses it).

  gpu_loss_bench --benchmark_out=run.json --benchmark_out_format=json
  bench/summarize_gpu_bench.py run.json

of copy: plugin GB/s / device-to-device copy GB/s of the same bytes (the bandwidth bound).
vs eager: plugin GB/s / LibTorch eager (forward and backward) GB/s, the speed-up.
"""
import json
import sys

LOSSES = ("sapo", "ppo_clip", "gspo", "cispo")


def table(path):
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred") or b.get("run_type") == "aggregate":
            continue
        parts = [p for p in b["name"].split("/") if p != "manual_time"]
        rows[("/".join(parts[:-1]), int(parts[-1]))] = b.get("bytes_per_second", 0.0) / 1e9
    return rows


def main():
    rows = table(sys.argv[1])
    if not rows:
        print("no benchmark ran (no CUDA device?)")
        return
    print("| loss | tokens | plugin GB/s | copy GB/s | of copy | eager GB/s | vs eager |")
    print("|---|---|---|---|---|---|---|")
    for loss in LOSSES:
        for (name, tokens), plugin in sorted(rows.items(), key=lambda item: item[0][1]):
            if name != "plugin_call/" + loss:
                continue
            copy = rows.get(("device_copy", tokens))
            eager = rows.get(("eager/" + loss, tokens))
            cells = [loss, str(tokens), "%.0f" % plugin]
            cells += ["%.0f" % copy, "%.0f%%" % (100 * plugin / copy)] if copy else ["-", "-"]
            cells += ["%.0f" % eager, "%.1fx" % (plugin / eager)] if eager else ["-", "-"]
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
