"""Torch tensors described as DLPack DLTensors, without a copy: the plugin reads the caller's
storage through the tensor's own data pointer, shape and strides (views and stride-0 broadcasts
included)."""

from __future__ import annotations

import ctypes

import torch

from . import _abi
from ._errors import InvalidArgumentError

# One table: torch dtype -> DLPack (code, bits). A torch bool is one byte holding 0 or 1; DLPack
# 0.6 has no bool code, so it crosses as uint8 (as the C++ binding passes it).
DLPACK_DTYPES = {
    torch.float32: (_abi.DL_FLOAT, 32),
    torch.float64: (_abi.DL_FLOAT, 64),
    torch.float16: (_abi.DL_FLOAT, 16),
    torch.bfloat16: (_abi.DL_BFLOAT, 16),
    torch.bool: (_abi.DL_UINT, 8),
    torch.uint8: (_abi.DL_UINT, 8),
    torch.int8: (_abi.DL_INT, 8),
    torch.int16: (_abi.DL_INT, 16),
    torch.int32: (_abi.DL_INT, 32),
    torch.int64: (_abi.DL_INT, 64),
}

MAX_RANK = 4


class TensorSlot(ctypes.Structure):
    """A DLTensor with room for its shape and strides, so one allocation describes a tensor."""

    _fields_ = [
        ("tensor", _abi.DLTensor),
        ("shape", ctypes.c_int64 * MAX_RANK),
        ("strides", ctypes.c_int64 * MAX_RANK),
    ]


def describe(slot: TensorSlot, t: torch.Tensor, what: str) -> None:
    """Fills `slot` with a DLTensor view of `t` (no copy; valid while `t` lives unchanged)."""
    if not isinstance(t, torch.Tensor):
        raise InvalidArgumentError(f"{what} must be a torch.Tensor, got {type(t).__name__}", 1)
    dtype = DLPACK_DTYPES.get(t.dtype)
    if dtype is None:
        raise InvalidArgumentError(f"{what} has dtype {t.dtype}, which has no DLPack description", 1)
    ndim = t.dim()
    if ndim > MAX_RANK:
        raise InvalidArgumentError(f"{what} has rank {ndim}; expected [B, T]", 1)
    device = t.device
    if device.type == "cpu":
        slot.tensor.device.device_type = _abi.DL_CPU
        slot.tensor.device.device_id = 0
    elif device.type == "cuda":
        slot.tensor.device.device_type = _abi.DL_CUDA
        slot.tensor.device.device_id = device.index
    else:
        raise InvalidArgumentError(f"{what} is on device {device}, which has no DLPack description", 1)
    slot.tensor.data = t.data_ptr()
    slot.tensor.ndim = ndim
    slot.tensor.dtype.code, slot.tensor.dtype.bits = dtype
    slot.tensor.dtype.lanes = 1
    slot.shape[:ndim] = t.shape
    slot.strides[:ndim] = t.stride()
    slot.tensor.byte_offset = 0


class CallBlock(ctypes.Structure):
    """Everything one compute call passes, in one allocation: the call and its tensors."""

    _fields_ = [
        ("call", _abi.ComputeCall),
        ("log_prob", TensorSlot),
        ("old_log_prob", TensorSlot),
        ("advantages", TensorSlot),
        ("response_mask", TensorSlot),
        ("rollout_is_weights", TensorSlot),
        ("loss", TensorSlot),
        ("grad_log_prob", TensorSlot),
        ("metrics", TensorSlot),
        ("message", ctypes.c_char * 1024),
        ("error", _abi.ErrorBuffer),
    ]


_SLOTS = ("log_prob", "old_log_prob", "advantages", "response_mask", "rollout_is_weights",
          "loss", "grad_log_prob", "metrics")


def new_call_block() -> CallBlock:
    """A call block whose pointers point into itself; filled anew for every call."""
    block = CallBlock()
    base = ctypes.addressof(block)
    call = block.call
    call.struct_size = ctypes.sizeof(_abi.ComputeCall)
    for name in _SLOTS:
        slot = getattr(block, name)
        slot.tensor.shape = ctypes.cast(ctypes.addressof(slot.shape), ctypes.POINTER(ctypes.c_int64))
        slot.tensor.strides = ctypes.cast(ctypes.addressof(slot.strides), ctypes.POINTER(ctypes.c_int64))
        setattr(call, name, ctypes.pointer(slot.tensor))
    block.error.struct_size = ctypes.sizeof(_abi.ErrorBuffer)
    block.error.data = base + CallBlock.message.offset
    block.error.capacity = 1024
    return block
