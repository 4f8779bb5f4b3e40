"""rlloss plugins as verl policy losses. Every verl-specific line of the package lives here.

verl's contract (verl-project/verl, verl/trainer/ppo/core_algos.py at 018f23b5, and its call
site verl/workers/utils/losses.py `ppo_loss` at 02de5fec):
    fn(old_log_prob, log_prob, advantages, response_mask, loss_agg_mode="token-mean",
       config=None, rollout_is_weights=None) -> (pg_loss, {"actor/<metric>": float})
called with keywords; loss arguments are read from config.policy_loss.<arg>, else config.<arg>;
config.global_batch_info (dp_size, batch_num_tokens, global_batch_size, loss_scale_factor) is
applied as verl's agg_loss applies it. Register with `register()`; the `verl.plugins` entry point
(rlloss.verl_entry_point) does it when verl is imported.

Unlike verl's own `sapo` (which always aggregates with seq-mean-token-mean), the plugins honour
`loss_agg_mode`.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from ._errors import InvalidArgumentError
from ._registry import PluginInfo, Registry
from .loss import Loss, create_loss

_MISSING = object()
GLOBAL_BATCH_KEYS = ("dp_size", "batch_num_tokens", "global_batch_size", "loss_scale_factor")


def _field(node: Any, key: str) -> Any:
    """node.key or node[key] (dataclass, OmegaConf DictConfig or dict); _MISSING when absent."""
    if node is None:
        return _MISSING
    if isinstance(node, dict):
        return node.get(key, _MISSING)
    try:
        return getattr(node, key)
    except AttributeError:
        pass
    getter = getattr(node, "get", None)
    if callable(getter):
        try:
            return getter(key, _MISSING)
        except Exception:  # an OmegaConf node that refuses the key
            return _MISSING
    return _MISSING


def _set(value: Any) -> bool:
    return value is not _MISSING and value is not None


def plugin_args(info: PluginInfo, config: Any, loss_agg_mode: Optional[str]) -> Dict[str, Any]:
    """The plugin's arguments from a verl actor config: policy_loss.<arg>, else <arg>; the
    loss_agg_mode the call site passes; global_batch_info's loss_scale_factor."""
    policy_loss = _field(config, "policy_loss")
    args: Dict[str, Any] = {}
    for spec in info.args:
        value = _field(policy_loss, spec.name) if policy_loss is not _MISSING else _MISSING
        if not _set(value):
            value = _field(config, spec.name)
        if _set(value):
            args[spec.name] = value
    if loss_agg_mode is not None and info.arg("loss_agg_mode") is not None:
        args["loss_agg_mode"] = loss_agg_mode
    batch = _global_batch_info(config)
    if batch.get("loss_scale_factor") is not None and info.arg("loss_scale_factor") is not None:
        args["loss_scale_factor"] = batch["loss_scale_factor"]
    return args


def _global_batch_info(config: Any) -> Dict[str, Any]:
    info = _field(config, "global_batch_info")
    if not _set(info):
        return {}
    items = dict(info.items()) if hasattr(info, "items") else dict(info)
    unknown = sorted(set(items) - set(GLOBAL_BATCH_KEYS))
    if unknown:
        # verl splats the dict into agg_loss(**...): an unknown key is an error there as well.
        raise InvalidArgumentError(
            f"config.global_batch_info has unknown keys {unknown}; "
            f"verl's agg_loss takes {list(GLOBAL_BATCH_KEYS)}",
            1,
        )
    return items


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, torch.Tensor) else value


class PolicyLoss:
    """One plugin as a verl policy-loss function. Losses are created on first use of each
    argument set and cached; calls may come from many threads."""

    def __init__(self, name: str, registry: Registry):
        self.name = name
        self._registry = registry
        self._info = registry.plugin(name)
        self._losses: Dict[Tuple[Tuple[str, Any], ...], Loss] = {}
        self._lock = threading.Lock()
        self.__name__ = f"rlloss_{name}_policy_loss"
        self.__doc__ = f"rlloss plugin '{name}' as a verl policy loss: {self._info.description}"

    def loss_for(self, args: Dict[str, Any]) -> Loss:
        key = tuple(sorted((name, _plain(value)) for name, value in args.items()))
        with self._lock:
            loss = self._losses.get(key)
            if loss is None:
                loss = create_loss(self._registry, self.name, dict(key))
                self._losses[key] = loss
            return loss

    def __call__(
        self,
        old_log_prob: torch.Tensor,
        log_prob: torch.Tensor,
        advantages: torch.Tensor,
        response_mask: torch.Tensor,
        loss_agg_mode: str = "token-mean",
        config: Any = None,
        rollout_is_weights: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, Dict[str, float]]:
        loss = self.loss_for(plugin_args(self._info, config, loss_agg_mode))
        batch = _global_batch_info(config)
        dp_size = _plain(batch.get("dp_size", 1))
        value, metrics = loss(
            log_prob,
            old_log_prob,
            advantages,
            response_mask,
            rollout_is_weights=rollout_is_weights,
            global_token_count=_plain(batch.get("batch_num_tokens")),
            global_seq_count=_plain(batch.get("global_batch_size")),
            dp_size=1 if dp_size is None else dp_size,
        )
        return value, {f"actor/{name}": metric.item() for name, metric in metrics.items()}


def policy_losses(registry: Optional[Registry] = None) -> Dict[str, PolicyLoss]:
    """Every loaded plugin as a verl policy loss, by plugin name."""
    from . import default_registry

    registry = registry or default_registry()
    return {name: PolicyLoss(name, registry) for name in registry.names()}


def register(
    prefix: str = "rlloss_",
    registry: Optional[Registry] = None,
    register_policy_loss: Optional[Callable[[str], Callable]] = None,
) -> List[str]:
    """Registers every loaded plugin with verl's register_policy_loss as `<prefix><name>`
    (loss_mode: rlloss_sapo, ...). Returns the registered loss modes."""
    if register_policy_loss is None:
        try:
            from verl.trainer.ppo.core_algos import register_policy_loss
        except ImportError as e:
            raise ImportError(
                "rlloss.verl.register needs verl (verl.trainer.ppo.core_algos.register_policy_loss): " f"{e}"
            ) from e
    names = []
    for name, fn in policy_losses(registry).items():
        register_policy_loss(prefix + name)(fn)
        names.append(prefix + name)
    return names
