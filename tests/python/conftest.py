"""Shared fixtures of the Python suite: random [B, T] batches with ragged and fully masked rows."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest
import torch

SOURCE_DIR = Path(os.environ.get("RLLOSS_TEST_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SOURCE_DIR / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import rlloss  # noqa: E402

AGG_MODES = [
    "token-mean",
    "token-sum",
    "seq-mean-token-sum",
    "seq-mean-token-mean",
    "seq-mean-token-sum-norm",
]
PLUGINS = ["sapo", "ppo_clip"]
# Every plugin the build ships, in the registry's (sorted) order.
SHIPPED = ["cispo", "dppo_kl", "dppo_tv", "dro", "gpg", "gspo", "ppo_clip", "sapo"]


@dataclass
class Batch:
    log_prob: torch.Tensor
    old_log_prob: torch.Tensor
    advantages: torch.Tensor
    mask: torch.Tensor  # float64 0/1
    weights: torch.Tensor

    def to(self, dtype: torch.dtype) -> "Batch":
        return Batch(
            *(t.to(dtype) for t in (self.log_prob, self.old_log_prob, self.advantages)),
            self.mask,
            self.weights.to(dtype),
        )


def make_batch(
    B: int = 6, T: int = 9, seed: int = 0, spread: float = 0.6, fully_masked_row: Optional[int] = 2
) -> Batch:
    """Ragged rows (each its own length), one fully masked row, log-ratios up to about +-3 *
    spread (reaching PPO's clip and dual clip), per-row advantages of both signs plus noise, and
    NaN in some masked slots (which must stay inert)."""
    g = torch.Generator().manual_seed(seed)
    old = -torch.rand(B, T, generator=g, dtype=torch.float64) * 3 - 0.1
    new = old + torch.randn(B, T, generator=g, dtype=torch.float64) * spread
    adv = torch.randn(B, 1, generator=g, dtype=torch.float64).expand(B, T) + 0.1 * torch.randn(
        B, T, generator=g, dtype=torch.float64
    )
    lengths = torch.randint(1, T + 1, (B,), generator=g)
    mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).to(torch.float64)
    if fully_masked_row is not None and fully_masked_row < B:
        mask[fully_masked_row] = 0
    weights = torch.rand(B, T, generator=g, dtype=torch.float64) * 1.5 + 0.25
    new = torch.where(mask > 0, new, torch.full_like(new, float("nan")))
    return Batch(new, old, adv.contiguous(), mask, weights)


@pytest.fixture(scope="session")
def registry() -> rlloss.Registry:
    return rlloss.default_registry()
