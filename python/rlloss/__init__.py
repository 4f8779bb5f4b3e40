"""rlloss from Python: policy-loss plugins (the same .so files the C++ host loads) as PyTorch
losses, over the host C API (librlloss_host.so) with ctypes. No compiled extension: any PyTorch
version that speaks DLPack's tensor layout works.

    import rlloss
    loss = rlloss.load_loss("sapo", tau_neg=1.1)
    value, metrics = loss(log_prob, old_log_prob, advantages, response_mask)
    value.backward()
"""

from __future__ import annotations

import os
import threading
from typing import Any, List, Mapping, Optional, Sequence, Union

from ._errors import (
    DeviceError,
    Error,
    InternalError,
    InvalidArgumentError,
    LibraryNotFoundError,
    LossWarning,
    UnsupportedError,
)
from ._registry import ArgSpec, PluginInfo, Registry, ResolvedArg, ResolvedConfig, Yaml
from .loss import Loss, create_loss, create_loss_from_config

__all__ = [
    "ArgSpec",
    "DeviceError",
    "Error",
    "InternalError",
    "InvalidArgumentError",
    "LibraryNotFoundError",
    "Loss",
    "LossWarning",
    "PluginInfo",
    "Registry",
    "ResolvedArg",
    "ResolvedConfig",
    "UnsupportedError",
    "Yaml",
    "default_registry",
    "load_loss",
    "load_loss_from_yaml",
    "plugins",
    "resolve_yaml",
]

__version__ = "0.1.0"

_default_lock = threading.Lock()
_default: Optional[Registry] = None


def default_registry() -> Registry:
    """The registry of the search path (RLLOSS_PLUGIN_PATH, then the build's or the install's
    plugin directory), loaded on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default


def plugins() -> List[PluginInfo]:
    """The plugins on the search path, with metadata and argument schema."""
    return default_registry().plugins()


def load_loss(name: str, *, registry: Optional[Registry] = None, **args: Any) -> Loss:
    """The loss of plugin `name` with `args` (e.g. tau_neg=1.1); other arguments at their defaults."""
    return create_loss(registry or default_registry(), name, args)


def resolve_yaml(
    path: Union[str, "os.PathLike[str]"],
    overrides: Union[Mapping[str, Any], Sequence[str], None] = None,
    plugin_dirs: Sequence[Union[str, "os.PathLike[str]"]] = (),
) -> ResolvedConfig:
    """What `host_example config` shows: loss_mode and each argument with its source."""
    yaml = Yaml.load(path)
    return Registry(plugin_dirs, yaml=yaml).resolve(yaml, overrides)


def load_loss_from_yaml(
    path: Union[str, "os.PathLike[str]"],
    overrides: Union[Mapping[str, Any], Sequence[str], None] = None,
    plugin_dirs: Sequence[Union[str, "os.PathLike[str]"]] = (),
) -> Loss:
    """The loss a verl-shaped trainer YAML selects (policy_loss.loss_mode, arguments from
    actor.policy_loss.<arg> else actor.<arg>), with overrides on top ({"tau_neg": 1.1} or
    ["tau_neg=1.1"]; "loss_mode" may be overridden too). The YAML's plugin_dirs are searched
    after RLLOSS_PLUGIN_PATH and `plugin_dirs`, before the default directory."""
    yaml = Yaml.load(path)
    registry = Registry(plugin_dirs, yaml=yaml)
    return create_loss_from_config(registry, registry.resolve(yaml, overrides))
