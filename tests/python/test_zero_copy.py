"""Tensors cross to the plugin without a copy: the DLTensors the C API receives point at the
caller's storage with the caller's strides (views and stride-0 broadcasts as they are)."""

from __future__ import annotations

import ctypes

import pytest
import torch

import reference
import rlloss
from conftest import make_batch


class Spy:
    """Stands in for rlloss_host_loss_compute: records what crosses, then calls the real one."""

    def __init__(self, real):
        self.real = real
        self.seen = []

    def __call__(self, handle, call_ref, error_ref):
        call = ctypes.cast(call_ref, ctypes.POINTER(rlloss._abi.ComputeCall)).contents
        record = {}
        for name in ("log_prob", "old_log_prob", "advantages", "response_mask", "rollout_is_weights"):
            pointer = getattr(call, name)
            if pointer:
                t = pointer.contents
                record[name] = (
                    t.data,
                    tuple(t.strides[i] for i in range(t.ndim)),
                    (t.dtype.code, t.dtype.bits),
                )
        self.seen.append(record)
        return self.real(handle, call_ref, error_ref)


def spied(loss):
    spy = Spy(loss._compute_fn)
    loss._compute_fn = spy
    return spy


def test_views_and_broadcasts_cross_as_they_are():
    batch = make_batch(B=5, T=8, seed=21)
    storage = torch.randn(5, 16, dtype=torch.float64)
    log_prob = storage[:, ::2]  # stride (16, 2): not contiguous
    log_prob.copy_(torch.where(batch.mask > 0, batch.log_prob, torch.zeros_like(batch.log_prob)))
    old_t = batch.old_log_prob.t().contiguous().t()  # column-major: stride (1, 5)
    advantages = batch.advantages[:, :1].expand(5, 8)  # stride (8, 0): one advantage per row
    mask = batch.mask.to(torch.bool)
    weights = batch.weights
    loss = rlloss.load_loss("sapo", loss_agg_mode="seq-mean-token-mean")
    spy = spied(loss)
    lp = log_prob.requires_grad_(False).clone()  # keep a contiguous copy for the reference
    value, _ = loss(log_prob, old_t, advantages, mask, rollout_is_weights=weights)

    seen = spy.seen[0]
    assert seen["log_prob"] == (log_prob.data_ptr(), (16, 2), (2, 64))
    assert seen["old_log_prob"] == (old_t.data_ptr(), (1, 5), (2, 64))
    assert seen["advantages"] == (advantages.data_ptr(), (8, 0), (2, 64))
    assert seen["response_mask"] == (mask.data_ptr(), (8, 1), (6, 8))  # bool crosses as kDLBool
    assert seen["rollout_is_weights"][0] == weights.data_ptr()

    # And the plugin read them right.
    reference_batch = type(batch)(lp, old_t.contiguous(), advantages.contiguous(), batch.mask, weights)
    expected, _ = reference.loss_and_grad("sapo", reference_batch, "seq-mean-token-mean", weights=True)
    torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mask_dtype", [torch.bool, torch.uint8, torch.float32, torch.float64])
def test_masks_of_every_kind_give_one_result(mask_dtype):
    batch = make_batch(seed=22)
    loss = rlloss.load_loss("ppo_clip")
    spy = spied(loss)
    mask = batch.mask.to(mask_dtype)
    value, _ = loss(batch.log_prob, batch.old_log_prob, batch.advantages, mask)
    assert spy.seen[0]["response_mask"][0] == mask.data_ptr()
    expected, _ = reference.loss_and_grad("ppo_clip", batch)
    torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-12)


def test_outputs_are_written_by_the_plugin_in_place():
    """The plugin writes the loss and gradient into the tensors the package allocated: a NaN left
    anywhere would show that something was not written."""
    batch = make_batch(seed=23)
    loss = rlloss.load_loss("sapo")
    log_prob = batch.log_prob.clone().requires_grad_(True)
    value, metrics = loss(log_prob, batch.old_log_prob, batch.advantages, batch.mask)
    value.backward()
    assert torch.isfinite(log_prob.grad).all()
    assert all(torch.isfinite(m) for m in metrics.values())
