"""Both plugins through the Python package against the float64 PyTorch reference written from the
formulas: every aggregation mode, ragged and fully masked rows, IS weights, DP normalisers."""

from __future__ import annotations

import pytest
import torch

import reference
import rlloss
from conftest import AGG_MODES, PLUGINS, make_batch

ARGS = {
    "sapo": {"tau_pos": 1.0, "tau_neg": 1.3},
    "ppo_clip": {"clip_ratio_low": 0.2, "clip_ratio_high": 0.28, "clip_ratio_c": 3.0},
}


def run(loss, batch, dtype=torch.float64, weights=False, **kwargs):
    log_prob = batch.log_prob.to(dtype).clone().requires_grad_(True)
    value, metrics = loss(
        log_prob,
        batch.old_log_prob.to(dtype),
        batch.advantages.to(dtype),
        batch.mask.to(torch.bool),
        rollout_is_weights=batch.weights.to(dtype) if weights else None,
        **kwargs,
    )
    value.backward()
    return value, log_prob.grad, metrics


@pytest.mark.parametrize("weights", [False, True], ids=["no_weights", "is_weights"])
@pytest.mark.parametrize("mode", AGG_MODES)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_float64_matches_reference(plugin, mode, weights):
    batch = make_batch(seed=AGG_MODES.index(mode) + 10 * weights)
    args = dict(ARGS[plugin], loss_agg_mode=mode)
    if mode == "seq-mean-token-sum-norm":
        args["loss_scale_factor"] = 7.0
    loss = rlloss.load_loss(plugin, **args)
    value, grad, metrics = run(loss, batch, weights=weights)
    ref_value, ref_grad = reference.loss_and_grad(plugin, batch, mode, weights=weights, **args)
    assert value.dtype == torch.float64 and value.dim() == 0
    torch.testing.assert_close(value, ref_value, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)
    assert torch.count_nonzero(grad[batch.mask == 0]) == 0
    for name, expected in reference.metrics(plugin, batch, **args).items():
        assert metrics[name].item() == pytest.approx(expected, rel=1e-10, abs=1e-12), name


@pytest.mark.parametrize("mode", AGG_MODES)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_float32_matches_reference_at_float32_tolerance(plugin, mode):
    batch = make_batch(seed=40 + AGG_MODES.index(mode))
    loss = rlloss.load_loss(plugin, loss_agg_mode=mode, **ARGS[plugin])
    value, grad, _ = run(loss, batch, dtype=torch.float32, weights=True)
    # The reference sees the float32-rounded inputs.
    ref_value, ref_grad = reference.loss_and_grad(
        plugin, batch.to(torch.float32), mode, weights=True, loss_agg_mode=mode, **ARGS[plugin]
    )
    assert value.dtype == torch.float32 and grad.dtype == torch.float32
    torch.testing.assert_close(value.double(), ref_value, rtol=2e-5, atol=1e-6)
    torch.testing.assert_close(grad.double(), ref_grad, rtol=2e-4, atol=1e-6)


@pytest.mark.parametrize("mode", AGG_MODES)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_two_ranks_with_global_counts_average_to_the_whole_batch(plugin, mode):
    batch = make_batch(B=8, seed=70 + AGG_MODES.index(mode))
    loss = rlloss.load_loss(plugin, loss_agg_mode=mode, **ARGS[plugin])
    whole_value, whole_grad, _ = run(loss, batch, weights=True)
    tokens = int(batch.mask.sum())
    seqs = int((batch.mask.sum(-1) > 0).sum())
    values, grads = [], []
    for rows in (slice(0, 3), slice(3, 8)):  # uneven shards, as a real split may be
        shard = type(batch)(
            *(
                t[rows]
                for t in (batch.log_prob, batch.old_log_prob, batch.advantages, batch.mask, batch.weights)
            )
        )
        value, grad, _ = run(
            loss, shard, weights=True, global_token_count=tokens, global_seq_count=seqs, dp_size=2
        )
        values.append(value)
        grads.append(grad)
    # DDP averages the ranks' gradients; each token lives on one rank.
    torch.testing.assert_close((values[0] + values[1]) / 2, whole_value, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(torch.cat(grads) / 2, whole_grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_fully_masked_batch_gives_zero_not_nan(plugin):
    batch = make_batch(seed=5)
    batch.mask.zero_()
    for mode in AGG_MODES:
        value, grad, metrics = run(rlloss.load_loss(plugin, loss_agg_mode=mode), batch)
        assert value.item() == 0.0, mode
        assert torch.count_nonzero(grad) == 0
        assert all(torch.isfinite(m) for m in metrics.values())


@pytest.mark.parametrize("plugin", PLUGINS)
def test_extreme_log_ratios_stay_finite_and_match_reference(plugin):
    batch = make_batch(seed=9, spread=30.0)  # log-ratios far past the +-20 clamp
    loss = rlloss.load_loss(plugin, **ARGS[plugin])
    value, grad, _ = run(loss, batch)
    ref_value, ref_grad = reference.loss_and_grad(plugin, batch, **ARGS[plugin])
    assert torch.isfinite(value) and torch.isfinite(grad).all()
    torch.testing.assert_close(value, ref_value, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)


def test_golden_vector_from_vectors_md():
    """../shared/docs/VECTORS.md, SAPO 2 x 4: obtained by running verl's formulas."""
    old = torch.tensor([[-1.0, -1.2, -0.7, -2.0], [-0.5, -1.5, -0.3, -0.9]], dtype=torch.float64)
    new = torch.tensor(
        [[-0.8, -1.5, -0.7, -1.0], [-0.9, -1.0, -0.2, -0.9]], dtype=torch.float64, requires_grad=True
    )
    adv = torch.tensor([[1.5] * 4, [-0.8] * 4], dtype=torch.float64)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=torch.uint8)
    expected = {
        "token-mean": (
            -1.1315730862,
            [[-0.3619668481, -0.2185545132, -0.3, 0], [0.1041013386, 0.2354162930, 0, 0]],
        ),
        "seq-mean-token-mean": (
            -0.6691210848,
            [[-0.3016390391, -0.1821287604, -0.2499999992, 0], [0.1301266727, 0.2942703648, 0, 0]],
        ),
        "seq-mean-token-sum-norm": (
            -0.7072331789,
            [[-0.2262292801, -0.1365965708, -0.1875, 0], [0.0650633367, 0.1471351832, 0, 0]],
        ),
    }
    for mode, (loss_value, grad) in expected.items():
        new.grad = None
        value, _ = rlloss.load_loss("sapo", loss_agg_mode=mode)(new, old, adv, mask)
        value.backward()
        assert value.item() == pytest.approx(loss_value, abs=1e-9)
        torch.testing.assert_close(new.grad, torch.tensor(grad, dtype=torch.float64), rtol=0, atol=1e-9)


def test_backward_scales_the_saved_gradient_by_the_incoming_one():
    batch = make_batch(seed=3)
    loss = rlloss.load_loss("sapo")
    _, grad, _ = run(loss, batch)
    log_prob = batch.log_prob.clone().requires_grad_(True)
    value, _ = loss(log_prob, batch.old_log_prob, batch.advantages, batch.mask)
    (value * -2.5).backward()
    torch.testing.assert_close(log_prob.grad, grad * -2.5, rtol=0, atol=0)


def test_no_grad_still_computes_loss_and_metrics():
    batch = make_batch(seed=4)
    loss = rlloss.load_loss("ppo_clip")
    with_grad, _, metrics = run(loss, batch)
    with torch.no_grad():
        value, no_grad_metrics = loss(
            batch.log_prob.clone().requires_grad_(True), batch.old_log_prob, batch.advantages, batch.mask
        )
    assert not value.requires_grad
    assert value.item() == with_grad.item()
    assert {k: v.item() for k, v in no_grad_metrics.items()} == {k: v.item() for k, v in metrics.items()}
    # Without requires_grad on log_prob the loss is a plain value too.
    value, _ = loss(batch.log_prob, batch.old_log_prob, batch.advantages, batch.mask)
    assert not value.requires_grad and value.item() == with_grad.item()


@pytest.mark.parametrize("plugin", PLUGINS)
def test_one_loss_alternating_optional_inputs(plugin):
    """Calls with and without IS weights, in turn, on one loss: each uses what it was given."""
    batch = make_batch(seed=31)
    loss = rlloss.load_loss(plugin)
    for weights in (False, True, False, True):
        value, grad, _ = run(loss, batch, weights=weights)
        ref_value, ref_grad = reference.loss_and_grad(plugin, batch, weights=weights)
        torch.testing.assert_close(value, ref_value, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(grad, ref_grad, rtol=1e-10, atol=1e-12)
