"""Stand-in for the fields of verl's ActorConfig / PolicyLossConfig that policy losses read."""

from dataclasses import dataclass, field
from typing import Any, Optional


class _GetMixin:
    """verl's BaseConfig lets a dataclass be read like a mapping: config.get(key, default)."""

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


@dataclass
class PolicyLossConfig(_GetMixin):
    loss_mode: str = "vanilla"
    dro_beta: Optional[float] = None  # verl: required when loss_mode is "dro"


@dataclass
class ActorConfig(_GetMixin):
    clip_ratio: float = 0.2
    clip_ratio_low: Optional[float] = 0.2
    clip_ratio_high: Optional[float] = 0.2
    clip_ratio_c: float = 3.0
    tau_pos: float = 1.0
    tau_neg: float = 1.05
    loss_agg_mode: str = "token-mean"
    loss_scale_factor: Optional[int] = None
    policy_loss: PolicyLossConfig = field(default_factory=PolicyLossConfig)
    global_batch_info: dict = field(default_factory=dict)
