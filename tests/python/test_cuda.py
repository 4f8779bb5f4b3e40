"""CUDA tensors through the package (skipped without a CUDA device and a CUDA PyTorch): every
dtype against the float64 reference, on the current stream, with no host synchronisation needed
by the caller beyond reading the result."""

from __future__ import annotations

import pytest
import torch

import reference
import rlloss
from conftest import AGG_MODES, PLUGINS, make_batch

pytestmark = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device (or this PyTorch has no CUDA)"
)

TOLERANCE = {torch.float64: 1e-10, torch.float32: 2e-5, torch.float16: 2e-2, torch.bfloat16: 5e-2}


@pytest.mark.parametrize("dtype", list(TOLERANCE))
@pytest.mark.parametrize("mode", AGG_MODES)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_cuda_matches_reference(plugin, mode, dtype):
    loss = rlloss.load_loss(plugin, loss_agg_mode=mode)
    if "cuda" not in loss.info.devices:
        pytest.skip(f"{plugin} was built without CUDA")
    batch = make_batch(B=8, T=33, seed=500 + AGG_MODES.index(mode))
    rounded = batch.to(dtype).to(torch.float64)
    expected, expected_grad = reference.loss_and_grad(plugin, rounded, mode, weights=True)
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        log_prob = batch.log_prob.to("cuda", dtype).requires_grad_(True)
        value, metrics = loss(
            log_prob,
            batch.old_log_prob.to("cuda", dtype),
            batch.advantages.to("cuda", dtype),
            batch.mask.to("cuda", torch.bool),
            rollout_is_weights=batch.weights.to("cuda", dtype),
        )
        value.backward()
    stream.synchronize()
    assert value.device.type == "cuda" and value.dtype == dtype
    tolerance = TOLERANCE[dtype]
    torch.testing.assert_close(value.double().cpu(), expected, rtol=tolerance, atol=tolerance)
    torch.testing.assert_close(log_prob.grad.double().cpu(), expected_grad, rtol=tolerance, atol=tolerance)
    assert all(m.device.type == "cuda" for m in metrics.values())
