"""A plugin loss as a differentiable PyTorch function."""

from __future__ import annotations

import ctypes
import threading
import warnings
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import torch

from . import _abi
from ._errors import OK, InvalidArgumentError, LossWarning, error_for
from ._library import OwnedHandle, call, library
from ._registry import PluginInfo, Registry, ResolvedArg, ResolvedConfig, read_host_arg
from ._tensors import (
    DLPACK_DTYPES,
    METRICS_OFFSET,
    SLOT_OFFSETS,
    STREAM_OFFSET,
    WEIGHTS_OFFSET,
    CallBuffer,
    describe,
    describe_output,
    device_of,
)

Count = Union[int, torch.Tensor, None]


class _CallState(threading.local):
    """Each thread fills its own call block, so one Loss serves many threads at once."""

    def __init__(self):
        self.buffer = CallBuffer()


def _count(value: Count, what: str) -> int:
    if value is None:
        return -1
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise InvalidArgumentError(
                f"{what} must be one number, got a tensor of shape {tuple(value.shape)}", 1
            )
        value = value.item()
    if isinstance(value, float):
        if not value.is_integer():
            raise InvalidArgumentError(f"{what} = {value}: must be a whole number", 1)
        value = int(value)
    if not isinstance(value, int):
        raise InvalidArgumentError(f"{what} must be an int, got {type(value).__name__}", 1)
    return value


class _PluginLossFunction(torch.autograd.Function):
    """One plugin call in forward (loss, d loss / d log_prob and metrics together); backward
    scales the saved gradient by the incoming one. Only log_prob is differentiable."""

    @staticmethod
    def forward(ctx, log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, loss, counts):
        grad, value, metrics = loss._compute(
            log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, counts
        )
        ctx.save_for_backward(grad)
        ctx.mark_non_differentiable(metrics)
        return value, metrics

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_loss, _grad_metrics):
        (grad,) = ctx.saved_tensors
        return grad * grad_loss, None, None, None, None, None, None


class Loss(OwnedHandle):
    """A created plugin loss; immutable, and safe to call from many threads at once.

    Call it as verl's policy losses are fed:
        loss_value, metrics = loss(log_prob, old_log_prob, advantages, response_mask,
                                   rollout_is_weights=None, global_token_count=None,
                                   global_seq_count=None, dp_size=1)
    `loss_value` is a 0-d tensor of log_prob's dtype, differentiable with respect to log_prob;
    `metrics` maps each metric name of the plugin to a 0-d float64 tensor (rank-local values).
    """

    _destroy_name = "rlloss_host_loss_destroy"

    def __init__(self, handle: ctypes.c_void_p, info: PluginInfo, args: Tuple[ResolvedArg, ...]):
        super().__init__(handle)
        self._compute_fn = self._lib.rlloss_host_loss_compute
        self.info = info
        self.resolved_args = args
        self.num_threads = 0  # CPU threads for the plugin; 0: its default. Results never depend on it.
        self._num_metrics = len(info.metric_names)
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
        if torch.is_grad_enabled() and getattr(log_prob, "requires_grad", False):
            value, metrics = _PluginLossFunction.apply(
                log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, self, counts
            )
        else:  # no graph to build: the same single plugin call, without autograd's bookkeeping
            _, value, metrics = self._compute(
                log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, counts
            )
        return value, dict(zip(self.info.metric_names, metrics.unbind(0)))

    def _compute(self, log_prob, old_log_prob, advantages, response_mask, rollout_is_weights, counts):
        buffer = self._state.buffer
        data = buffer.bytes
        describe(data, _LOG_PROB, log_prob, "log_prob")
        describe(data, _OLD_LOG_PROB, old_log_prob, "old_log_prob")
        describe(data, _ADVANTAGES, advantages, "advantages")
        describe(data, _RESPONSE_MASK, response_mask, "response_mask")
        if rollout_is_weights is None:
            buffer.set_pointer(WEIGHTS_OFFSET, 0)
        else:
            describe(data, _WEIGHTS, rollout_is_weights, "rollout_is_weights")
            buffer.set_pointer(WEIGHTS_OFFSET, buffer.weights_address)
        device = device_of(log_prob, "log_prob")
        # The plugin writes the loss as float32 or float64 (rounded once from its float64 sum);
        # half types get it in float64 and convert, as the C++ binding does.
        dtype = log_prob.dtype
        loss_dtype = dtype if dtype in _DIRECT_LOSS_DTYPES else torch.float64
        value = log_prob.new_empty((), dtype=loss_dtype)
        describe_output(data, _LOSS, value.data_ptr(), device, DLPACK_DTYPES[loss_dtype])
        grad = torch.empty_like(log_prob, memory_format=torch.contiguous_format)
        describe(data, _GRAD, grad, "grad_log_prob")
        metrics = log_prob.new_empty(self._num_metrics, dtype=torch.float64)
        if self._num_metrics:
            describe_output(data, _METRICS, metrics.data_ptr(), device, _FLOAT64, (self._num_metrics,))
            buffer.set_pointer(METRICS_OFFSET, buffer.metrics_address)
        else:
            buffer.set_pointer(METRICS_OFFSET, 0)
        buffer.set_counts(counts[0], counts[1], counts[2], self.num_threads)
        if device[0] == _abi.DL_CUDA:
            buffer.set_pointer(STREAM_OFFSET, torch.cuda.current_stream(log_prob.device).cuda_stream)
        else:
            buffer.set_pointer(STREAM_OFFSET, 0)
        status = self._compute_fn(self._handle, buffer.call_ref, buffer.error_ref)
        if status != OK:
            raise error_for(status, f"plugin '{self.info.name}': " + buffer.message())
        if loss_dtype != log_prob.dtype:
            value = value.to(log_prob.dtype)
        return grad, value, metrics


_DIRECT_LOSS_DTYPES = (torch.float32, torch.float64)
_FLOAT64 = DLPACK_DTYPES[torch.float64]
_LOG_PROB = SLOT_OFFSETS["log_prob"]
_OLD_LOG_PROB = SLOT_OFFSETS["old_log_prob"]
_ADVANTAGES = SLOT_OFFSETS["advantages"]
_RESPONSE_MASK = SLOT_OFFSETS["response_mask"]
_WEIGHTS = SLOT_OFFSETS["rollout_is_weights"]
_LOSS = SLOT_OFFSETS["loss"]
_GRAD = SLOT_OFFSETS["grad_log_prob"]
_METRICS = SLOT_OFFSETS["metrics"]


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


def _wrap(handle: ctypes.c_void_p, info: PluginInfo, warning: str) -> Loss:
    """The Loss owning `handle`, with the values it was created with; a create warning goes to
    Python's warnings."""
    loss = Loss(handle, info, ())  # owns the handle from here on, whatever happens below
    lib = loss._lib
    args = []
    for index in range(lib.rlloss_host_loss_num_args(handle)):
        arg = _abi.new_struct(_abi.HostArg)
        call(lib.rlloss_host_loss_arg, handle, index, ctypes.byref(arg))
        args.append(read_host_arg(arg))
    loss.resolved_args = tuple(args)
    if warning:
        warnings.warn(warning, LossWarning, stacklevel=3)
    return loss


def create_loss(registry: Registry, name: str, args: Mapping[str, Any]) -> Loss:
    """Plugin `name`'s loss with `args` (undeclared ones at their defaults)."""
    info = registry.plugin(name)
    kinds = {spec.name: spec.type for spec in info.args}
    values = [_arg_value(kinds.get(key, "float"), key, value) for key, value in args.items()]
    array = (_abi.ArgValue * max(len(values), 1))(*values)
    handle = ctypes.c_void_p()
    create = library().rlloss_host_loss_create
    warning = call(create, registry.handle, name.encode("utf-8"), array, len(values), ctypes.byref(handle))
    return _wrap(handle, info, warning)


def create_loss_from_config(registry: Registry, config: ResolvedConfig) -> Loss:
    """The loss a resolved configuration names, each value keeping its source."""
    info = registry.plugin(config.loss_mode)
    handle = ctypes.c_void_p()
    create = library().rlloss_host_loss_create_from_config
    warning = call(create, registry.handle, config.handle, ctypes.byref(handle))
    return _wrap(handle, info, warning)
