"""On the same inputs the Python package gives the C++ LibTorch binding's results bit for bit: loss,
d loss / d log_prob and metrics (both call the same plugin; any difference would be the package's)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import zlib

import pytest
import torch

import rlloss
from conftest import make_batch

ORACLE = os.environ.get("RLLOSS_TEST_ORACLE")

CASES = [
    ("sapo", "token-mean", torch.float32, "bool", False, (-1, -1, 1), {}),
    ("sapo", "seq-mean-token-mean", torch.float64, "uint8", True, (-1, -1, 1), {"tau_neg": 1.2}),
    ("sapo", "seq-mean-token-sum-norm", torch.float32, "float", True, (-1, 9, 2), {"loss_scale_factor": 5.0}),
    ("sapo", "token-sum", torch.float64, "bool", True, (-1, -1, 4), {}),
    # 80 >= any batch's count: 6 rows of 13 tokens can be counted (row 3 is fully masked).
    ("ppo_clip", "token-mean", torch.float64, "float", True, (80, -1, 2), {"clip_ratio_high": 0.28}),
    ("ppo_clip", "seq-mean-token-sum", torch.float32, "uint8", False, (-1, 11, 3), {}),
    (
        "ppo_clip",
        "token-mean",
        torch.float32,
        "bool",
        True,
        (-1, -1, 1),
        {"clip_ratio": 0.1, "clip_ratio_c": 2.0},
    ),
]


@pytest.mark.skipif(
    not ORACLE, reason="RLLOSS_TEST_ORACLE (the C++ binding helper) is not set; run through CTest"
)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_python_equals_cpp_binding_bit_for_bit(case):
    plugin, mode, dtype, mask_kind, weights, (tokens, seqs, dp), args = case
    # zlib.crc32, not hash(): str hashes change from one Python process to the next.
    batch = make_batch(B=7, T=13, seed=zlib.crc32(repr(case[:4]).encode()) % 1000, fully_masked_row=3)
    batch.log_prob = torch.where(batch.mask > 0, batch.log_prob, torch.zeros_like(batch.log_prob))
    with tempfile.TemporaryDirectory() as tmp:
        inputs = os.path.join(tmp, "in.bin")
        outputs = os.path.join(tmp, "out.bin")
        torch.cat(
            [
                t.reshape(-1)
                for t in (batch.log_prob, batch.old_log_prob, batch.advantages, batch.mask, batch.weights)
            ]
        ).numpy().tofile(inputs)
        overrides = [f"{k}={v!r}" for k, v in args.items()] + [f"loss_agg_mode={mode}"]
        command = [
            ORACLE,
            "compute",
            inputs,
            outputs,
            plugin,
            "7",
            "13",
            str(dtype).split(".")[1],
            mask_kind,
            str(int(weights)),
            str(tokens),
            str(seqs),
            str(dp),
        ] + overrides
        subprocess.run(command, check=True, env=dict(os.environ, RLLOSS_PLUGIN_PATH=""))
        cpp = torch.from_file(outputs, size=os.path.getsize(outputs) // 8, dtype=torch.float64)

    loss = rlloss.load_loss(plugin, loss_agg_mode=mode, **args)
    mask = {
        "bool": batch.mask.to(torch.bool),
        "uint8": batch.mask.to(torch.uint8),
        "float": batch.mask.to(dtype),
    }[mask_kind]
    log_prob = batch.log_prob.to(dtype).requires_grad_(True)
    value, metrics = loss(
        log_prob,
        batch.old_log_prob.to(dtype),
        batch.advantages.to(dtype),
        mask,
        rollout_is_weights=batch.weights.to(dtype) if weights else None,
        global_token_count=None if tokens < 0 else tokens,
        global_seq_count=None if seqs < 0 else seqs,
        dp_size=dp,
    )
    value.backward()
    python = torch.cat(
        [
            value.double().reshape(1),
            log_prob.grad.double().reshape(-1),
            torch.stack([metrics[n] for n in loss.metric_names]),
        ]
    )
    assert python.shape == cpp.shape
    assert torch.equal(python, cpp), (python - cpp).abs().max()
