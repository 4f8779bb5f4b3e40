"""torch.autograd.gradcheck in float64 through the plugin: the gradient the plugin returns agrees
with finite differences of the loss it returns."""

from __future__ import annotations

import pytest
import torch

import rlloss
from conftest import AGG_MODES, PLUGINS, make_batch


@pytest.mark.parametrize("mode", AGG_MODES)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_gradcheck(plugin, mode):
    batch = make_batch(B=4, T=6, seed=100 + AGG_MODES.index(mode), spread=0.3)
    log_prob = torch.where(batch.mask > 0, batch.log_prob, torch.zeros_like(batch.log_prob))
    log_prob = log_prob.clone().requires_grad_(True)
    loss = rlloss.load_loss(plugin, loss_agg_mode=mode)

    def objective(lp):
        value, _ = loss(
            lp, batch.old_log_prob, batch.advantages, batch.mask, rollout_is_weights=batch.weights
        )
        return value

    assert torch.autograd.gradcheck(objective, (log_prob,), eps=1e-6, atol=1e-7, rtol=1e-5)
