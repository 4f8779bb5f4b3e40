"""The losses written from their formulas (../shared/docs/DESIGN.md, "The math") in float64 PyTorch
ops; autograd gives the reference gradient. Independent of the plugins and the kit."""

from __future__ import annotations

from typing import Dict, Optional

import torch


def log_ratio(log_prob: torch.Tensor, old_log_prob: torch.Tensor) -> torch.Tensor:
    return torch.clamp(log_prob - old_log_prob, -20.0, 20.0)


def sapo_token_loss(log_prob, old_log_prob, advantages, tau_pos=1.0, tau_neg=1.05):
    r = torch.exp(log_ratio(log_prob, old_log_prob))
    tau = torch.where(advantages > 0, torch.full_like(r, tau_pos), torch.full_like(r, tau_neg))
    gate = torch.sigmoid(tau * (r - 1)) * 4 / tau
    return -gate * advantages


def ppo_clip_token_loss(
    log_prob, old_log_prob, advantages, clip_ratio_low=0.2, clip_ratio_high=0.2, clip_ratio_c=3.0
):
    r = torch.exp(log_ratio(log_prob, old_log_prob))
    l1 = -advantages * r
    l2 = -advantages * torch.clamp(r, 1 - clip_ratio_low, 1 + clip_ratio_high)
    clip1 = torch.maximum(l1, l2)
    dual = torch.minimum(clip1, -advantages * clip_ratio_c)
    return torch.where(advantages < 0, dual, clip1)


def aggregate(
    token_loss: torch.Tensor,
    mask: torch.Tensor,
    mode: str,
    global_token_count: Optional[int] = None,
    global_seq_count: Optional[int] = None,
    dp_size: int = 1,
    loss_scale_factor: Optional[float] = None,
) -> torch.Tensor:
    """verl's agg_loss, except that masked slots are selected away (NaN * 0 never leaks)."""
    m = mask > 0
    lm = torch.where(m, token_loss, torch.zeros_like(token_loss))
    lengths = m.sum(-1).to(torch.float64)
    n_tok = global_token_count if global_token_count is not None else lengths.sum()
    n_seq = global_seq_count if global_seq_count is not None else (lengths > 0).sum().to(torch.float64)
    if mode == "token-mean":
        return lm.sum() / n_tok * dp_size
    if mode == "token-sum":
        return lm.sum() * dp_size
    if mode == "seq-mean-token-sum":
        return lm.sum(-1).sum() / n_seq * dp_size
    if mode == "seq-mean-token-mean":
        return (lm.sum(-1) / (lengths + 1e-8)).sum() / n_seq * dp_size
    if mode == "seq-mean-token-sum-norm":
        scale = loss_scale_factor if loss_scale_factor else token_loss.shape[-1]
        return lm.sum(-1).sum() / n_seq * dp_size / scale
    raise ValueError(mode)


def token_loss(plugin: str, log_prob, old_log_prob, advantages, **args):
    if plugin == "sapo":
        keys = ("tau_pos", "tau_neg")
        return sapo_token_loss(log_prob, old_log_prob, advantages, **{k: args[k] for k in keys if k in args})
    keys = ("clip_ratio_low", "clip_ratio_high", "clip_ratio_c")
    return ppo_clip_token_loss(log_prob, old_log_prob, advantages, **{k: args[k] for k in keys if k in args})


def loss_and_grad(plugin, batch, mode="token-mean", weights=False, counts=(None, None), dp_size=1, **args):
    """Reference loss and d loss / d log_prob in float64 (autograd through the formulas)."""
    log_prob = batch.log_prob.to(torch.float64).detach().clone().requires_grad_(True)
    l = token_loss(
        plugin, log_prob, batch.old_log_prob.to(torch.float64), batch.advantages.to(torch.float64), **args
    )
    if weights:
        l = l * batch.weights.to(torch.float64)
    value = aggregate(l, batch.mask, mode, counts[0], counts[1], dp_size, args.get("loss_scale_factor"))
    value.backward()
    grad = torch.where(batch.mask > 0, log_prob.grad, torch.zeros_like(log_prob.grad))
    return value.detach(), grad


def metrics(plugin: str, batch, **args) -> Dict[str, float]:
    """A few metrics from their definitions: masked means over the batch's tokens."""
    m = batch.mask > 0
    d = log_ratio(batch.log_prob.to(torch.float64), batch.old_log_prob.to(torch.float64))[m]
    r = torch.exp(d)
    a = batch.advantages.to(torch.float64)[m]
    out = {"ppo_kl": (-d).mean().item(), "ratio_mean": r.mean().item()}
    if plugin == "sapo":
        tau = torch.where(
            a > 0, torch.full_like(r, args.get("tau_pos", 1.0)), torch.full_like(r, args.get("tau_neg", 1.05))
        )
        out["gate_mean"] = (torch.sigmoid(tau * (r - 1)) * 4 / tau).mean().item()
        out["pos_adv_frac"] = (a > 0).to(torch.float64).mean().item()
    else:
        low, high, c = (
            args.get("clip_ratio_low", 0.2),
            args.get("clip_ratio_high", 0.2),
            args.get("clip_ratio_c", 3.0),
        )
        l1 = -a * r
        l2 = -a * torch.clamp(r, 1 - low, 1 + high)
        clipped = l2 > l1
        clip1 = torch.maximum(l1, l2)
        dual = (a < 0) & (clip1 > -a * c)
        out["pg_clipfrac"] = clipped.to(torch.float64).mean().item()
        out["pg_clipfrac_lower"] = dual.to(torch.float64).mean().item()
    return out
