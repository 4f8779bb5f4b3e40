"""A plugin loss as a differentiable PyTorch function."""

from __future__ import annotations

import ctypes
import math
import threading
import warnings
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import torch

from . import _abi
from ._errors import OK, InvalidArgumentError, LossWarning, error_for
from ._library import library
from ._registry import PluginInfo, Registry, ResolvedArg, ResolvedConfig, check, read_host_arg
from ._tensors import describe, new_call_block

Count = Union[int, torch.Tensor, None]


class _CallState(threading.local):
    """Each thread fills its own call block, so one Loss serves many threads at once."""

    def __init__(self):
        self.block = new_call_block()
        # Pointer objects of their own: one read from a field shares the field's memory and
        # would turn NULL with it.
        self.weights_pointer = ctypes.pointer(self.block.rollout_is_weights.tensor)
        self.metrics_pointer = ctypes.pointer(self.block.metrics.tensor)


def _count(value: Count, what: str) -> int:
    if value is None:
        return -1
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise InvalidArgumentError(f"{what} must be one number, got a tensor of shape {tuple(value.shape)}", 1)
        value = value.item()
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidArgumentError(f"{what} = {value}: must be a whole number", 1)
        value = int(value)
    if not isinstance(value, int):
        raise InvalidArgumentError(f"{what} must be an int, got {type(value).__name__}", 1)
    return value


def _stream_of(device: torch.device) -> Optional[int]:
    if device.type == "cuda":
        return torch.cuda.current_stream(device).cuda_stream
    return None


class _PluginLossFunction(torch.autograd.Function):
    """One plugin call in forward (loss, d loss / d log_prob and metrics together); backward
    scales the saved gradient by the incoming one. Only log_prob is differentiable."""

    @staticmethod
    def forward(ctx, log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, loss, counts):
        grad, value, metrics = loss._compute(log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, counts)
        ctx.save_for_backward(grad)
        ctx.mark_non_differentiable(metrics)
        return value, metrics

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss, _grad_metrics):
        (grad,) = ctx.saved_tensors
        return grad * grad_loss, None, None, None, None, None, None


class Loss:
    """A created plugin loss; immutable, and safe to call from many threads at once.

    Call it as verl's policy losses are fed:
        loss_value, metrics = loss(log_prob, old_log_prob, advantages, response_mask,
                                   rollout_is_weights=None, global_token_count=None,
                                   global_seq_count=None, dp_size=1)
    `loss_value` is a 0-d tensor of log_prob's dtype, differentiable with respect to log_prob;
    `metrics` maps each metric name of the plugin to a 0-d float64 tensor (rank-local values).
    """

    def __init__(self, handle: ctypes.c_void_p, info: PluginInfo, args: Tuple[ResolvedArg, ...]):
        self._lib = library()
        self._handle = handle
        self._compute_fn = self._lib.rlloss_host_loss_compute
        self.info = info
        self.resolved_args = args
        self.num_threads = 0  # CPU threads for the plugin; 0: its default. Results never depend on it.
        self._state = _CallState()

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def args(self) -> Dict[str, Any]:
        return {arg.name: arg.value for arg in self.resolved_args}

    @property
    def metric_names(self) -> Tuple[str, ...]:
        return self.info.metric_names

    def __repr__(self) -> str:
        args = ", ".join(f"{arg.name}={arg.value!r}" for arg in self.resolved_args)
        return f"rlloss.Loss({self.name!r}, {args})"

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            self._lib.rlloss_host_loss_destroy(handle)
            self._handle = None

    def __call__(
        self,
        log_prob: torch.Tensor,
        old_log_prob: torch.Tensor,
        advantages: torch.Tensor,
        response_mask: torch.Tensor,
        rollout_is_weights: Optional[torch.Tensor] = None,
        global_token_count: Count = None,
        global_seq_count: Count = None,
        dp_size: Union[int, torch.Tensor] = 1,
    ) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        counts = (
            _count(global_token_count, "global_token_count"),
            _count(global_seq_count, "global_seq_count"),
            _count(dp_size, "dp_size"),
        )
        value, metrics = _PluginLossFunction.apply(
            log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, self, counts
        )
        return value, dict(zip(self.info.metric_names, metrics.unbind(0)))

    def _compute(self, log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, counts):
        if not isinstance(log_prob, torch.Tensor):
            raise InvalidArgumentError(f"log_prob must be a torch.Tensor, got {type(log_prob).__name__}", 1)
        device = log_prob.device
        value = torch.zeros((), dtype=torch.float64, device=device)
        grad = torch.empty_like(log_prob, memory_format=torch.contiguous_format)
        metrics = torch.zeros(len(self.info.metric_names), dtype=torch.float64, device=device)

        state = self._state
        block = state.block
        call = block.call
        describe(block.log_prob, log_prob, "log_prob")
        describe(block.old_log_prob, old_log_prob, "old_log_prob")
        describe(block.advantages, advantages, "advantages")
        describe(block.response_mask, response_mask, "response_mask")
        if rollout_is_weights is None:
            call.rollout_is_weights = None
        else:
            describe(block.rollout_is_weights, rollout_is_weights, "rollout_is_weights")
            call.rollout_is_weights = state.weights_pointer
        describe(block.loss, value, "loss")
        describe(block.grad_log_prob, grad, "grad_log_prob")
        if self.info.metric_names:
            describe(block.metrics, metrics, "metrics")
            call.metrics = state.metrics_pointer
        else:
            call.metrics = None
        call.global_token_count, call.global_seq_count, call.dp_size = counts
        call.num_threads = self.num_threads
        call.stream = _stream_of(device)
        status = self._compute_fn(self._handle, ctypes.byref(call), ctypes.byref(block.error))
        if status != OK:
            raise error_for(status, f"plugin '{self.info.name}': " + block.message.decode("utf-8", "replace"))
        return grad, value.to(log_prob.dtype), metrics


def _arg_value(spec_type: str, name: str, value: Any) -> _abi.ArgValue:
    """A Python value as the C argument value of the declared type. A value of another kind
    crosses with its own type, so the plugin's message names the mismatch."""
    item = _abi.ArgValue()
    item.struct_size = ctypes.sizeof(_abi.ArgValue)
    item.name = name.encode("utf-8")
    if isinstance(value, str):
        item.type = _abi.ARG_STRING
        item.string = value.encode("utf-8")
    elif isinstance(value, bool):
        item.type = _abi.ARG_BOOL
        item.number = float(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        item.type = {"int": _abi.ARG_INT, "bool": _abi.ARG_BOOL}.get(spec_type, _abi.ARG_FLOAT)
        if spec_type == "bool" and value not in (0, 1):
            item.type = _abi.ARG_INT
        item.number = float(value)
    else:
        raise InvalidArgumentError(
            f"argument '{name}' = {value!r}: a {type(value).__name__}, expected a {spec_type}", 1
        )
    return item


def _wrap(lib, handle: ctypes.c_void_p, info: PluginInfo, message: _abi.MessageBuffer) -> Loss:
    args = []
    for index in range(lib.rlloss_host_loss_num_args(handle)):
        arg = _abi.new_struct(_abi.HostArg)
        status = lib.rlloss_host_loss_arg(handle, index, ctypes.byref(arg), ctypes.byref(message.buffer))
        if status != OK:
            lib.rlloss_host_loss_destroy(handle)
            raise error_for(status, message.text)
        args.append(read_host_arg(arg))
    return Loss(handle, info, tuple(args))


def _warn_if(message: _abi.MessageBuffer) -> None:
    if message.text:
        warnings.warn(message.text, LossWarning, stacklevel=3)


def create_loss(registry: Registry, name: str, args: Mapping[str, Any]) -> Loss:
    """Plugin `name`'s loss with `args` (undeclared ones at their defaults)."""
    lib = library()
    info = registry.plugin(name)
    kinds = {spec.name: spec.type for spec in info.args}
    values = [_arg_value(kinds.get(key, "float"), key, value) for key, value in args.items()]
    array = (_abi.ArgValue * max(len(values), 1))(*values)
    handle = ctypes.c_void_p()
    message = _abi.MessageBuffer()
    status = lib.rlloss_host_loss_create(
        registry.handle, name.encode("utf-8"), array, len(values), ctypes.byref(handle), ctypes.byref(message.buffer)
    )
    if status != OK:
        raise error_for(status, message.text)
    _warn_if(message)
    return _wrap(lib, handle, info, message)


def create_loss_from_config(registry: Registry, config: ResolvedConfig) -> Loss:
    """The loss a resolved configuration names, each value keeping its source."""
    lib = library()
    info = registry.plugin(config.loss_mode)
    handle = ctypes.c_void_p()
    message = _abi.MessageBuffer()
    status = lib.rlloss_host_loss_create_from_config(
        registry.handle, config.handle, ctypes.byref(handle), ctypes.byref(message.buffer)
    )
    if status != OK:
        raise error_for(status, message.text)
    _warn_if(message)
    return _wrap(lib, handle, info, message)
