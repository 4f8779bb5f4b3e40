"""Torch tensors described as DLPack DLTensors, without a copy: the plugin reads the caller's
storage through the tensor's own data pointer, shape and strides (views and stride-0 broadcasts
included)."""

from __future__ import annotations

import ctypes
import struct

import torch

from . import _abi
from ._errors import InvalidArgumentError

# One table: torch dtype -> DLPack (code, bits), the same as the C++ binding's dlpack_dtype(). A
# torch bool is one byte holding 0 or 1 and crosses as kDLBool (code 6, RLLOSS_DL_BOOL).
DLPACK_DTYPES = {
    torch.float32: (_abi.DL_FLOAT, 32),
    torch.float64: (_abi.DL_FLOAT, 64),
    torch.float16: (_abi.DL_FLOAT, 16),
    torch.bfloat16: (_abi.DL_BFLOAT, 16),
    torch.bool: (_abi.DL_BOOL, 8),
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


# DLTensor's leading fields (data, device type, device id, ndim, dtype code, bits, lanes), written
# with one pack per tensor: setting ctypes fields one by one costs about 2 us per tensor.
_HEAD = struct.Struct("<QiiiBBH")
_DIMS = [struct.Struct(f"<{n}q") for n in range(MAX_RANK + 1)]
_SHAPE = TensorSlot.shape.offset
_STRIDES = TensorSlot.strides.offset
if _HEAD.size != _abi.DLTensor.shape.offset or _abi.DLTensor.ndim.offset != 16:
    raise ImportError("rlloss: DLTensor's layout is not the one _HEAD writes")


# Shape and strides of a [B, T] tensor in one pack (the gap is the rest of the shape array).
_MATRIX_DIMS = struct.Struct(f"<2q{8 * (MAX_RANK - 2)}x2q")
if _STRIDES - _SHAPE != 8 * MAX_RANK:
    raise ImportError("rlloss: TensorSlot's layout is not the one _MATRIX_DIMS writes")


def device_of(t: torch.Tensor, what: str):
    """DLPack (device type, device id) of `t`."""
    if t.is_cuda:
        return _abi.DL_CUDA, t.get_device()
    if t.is_cpu:
        return _abi.DL_CPU, 0
    raise InvalidArgumentError(f"{what} is on device {t.device}, which has no DLPack description", 1)


def describe(buffer: memoryview, offset: int, t: torch.Tensor, what: str) -> None:
    """Writes a DLTensor view of `t` (no copy; valid while `t` lives unchanged) into the slot at
    `offset` of `buffer`."""
    try:
        code, bits = DLPACK_DTYPES[t.dtype]
    except AttributeError:
        raise InvalidArgumentError(f"{what} must be a torch.Tensor, got {type(t).__name__}", 1) from None
    except KeyError:
        raise InvalidArgumentError(
            f"{what} has dtype {t.dtype}, which has no DLPack description", 1
        ) from None
    if not isinstance(t, torch.Tensor):
        raise InvalidArgumentError(f"{what} must be a torch.Tensor, got {type(t).__name__}", 1)
    ndim = t.dim()
    device_type, device_id = device_of(t, what)
    try:
        _HEAD.pack_into(buffer, offset, t.data_ptr(), device_type, device_id, ndim, code, bits, 1)
        if ndim == 2:
            _MATRIX_DIMS.pack_into(buffer, offset + _SHAPE, *t.shape, *t.stride())
        elif ndim <= MAX_RANK:
            dims = _DIMS[ndim]
            dims.pack_into(buffer, offset + _SHAPE, *t.shape)
            dims.pack_into(buffer, offset + _STRIDES, *t.stride())
        else:
            raise InvalidArgumentError(f"{what} has rank {ndim}; expected [B, T]", 1)
    except RuntimeError as e:  # no strided storage to point at (sparse, meta, ...)
        raise InvalidArgumentError(f"{what} ({t.layout}) cannot be described as a DLTensor: {e}", 1) from e


def describe_output(buffer: memoryview, offset: int, data: int, device, code_bits, dims=()) -> None:
    """Writes the DLTensor of a contiguous output the package allocated itself: its dtype, device
    and shape are known, so nothing is asked of the tensor but its address."""
    ndim = len(dims)
    _HEAD.pack_into(buffer, offset, data, device[0], device[1], ndim, code_bits[0], code_bits[1], 1)
    if ndim == 1:
        _DIMS[1].pack_into(buffer, offset + _SHAPE, dims[0])
        _DIMS[1].pack_into(buffer, offset + _STRIDES, 1)


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


_SLOTS = (
    "log_prob",
    "old_log_prob",
    "advantages",
    "response_mask",
    "rollout_is_weights",
    "loss",
    "grad_log_prob",
    "metrics",
)


# Where each tensor's slot, and the call's per-call fields, sit in a CallBlock.
SLOT_OFFSETS = {name: getattr(CallBlock, name).offset for name in _SLOTS}
_CALL_COUNTS = struct.Struct("<qqqi")  # global_token_count, global_seq_count, dp_size, num_threads
_POINTER = struct.Struct("<Q")
COUNTS_OFFSET = _abi.ComputeCall.global_token_count.offset
STREAM_OFFSET = _abi.ComputeCall.stream.offset
WEIGHTS_OFFSET = _abi.ComputeCall.rollout_is_weights.offset
METRICS_OFFSET = _abi.ComputeCall.metrics.offset
if _abi.ComputeCall.num_threads.offset != COUNTS_OFFSET + 24:
    raise ImportError("rlloss: rlloss_compute_call's layout is not the one _CALL_COUNTS writes")


class CallBuffer:
    """One thread's call block and a writable view of its bytes. Every call describes all its
    tensors anew before calling the plugin; between calls the block's pointers are stale and are
    never passed on."""

    __slots__ = ("block", "bytes", "call_ref", "error_ref", "weights_address", "metrics_address")

    def __init__(self):
        block = CallBlock()
        base = ctypes.addressof(block)
        call = block.call
        call.struct_size = ctypes.sizeof(_abi.ComputeCall)
        for name in _SLOTS:
            slot = getattr(block, name)
            slot.tensor.shape = ctypes.cast(
                base + SLOT_OFFSETS[name] + _SHAPE, ctypes.POINTER(ctypes.c_int64)
            )
            slot.tensor.strides = ctypes.cast(
                base + SLOT_OFFSETS[name] + _STRIDES, ctypes.POINTER(ctypes.c_int64)
            )
            setattr(call, name, ctypes.cast(base + SLOT_OFFSETS[name], ctypes.POINTER(_abi.DLTensor)))
        block.error.struct_size = ctypes.sizeof(_abi.ErrorBuffer)
        block.error.data = base + CallBlock.message.offset
        block.error.capacity = CallBlock.message.size
        self.block = block
        self.bytes = memoryview(block).cast("B")
        self.call_ref = ctypes.byref(block.call)
        self.error_ref = ctypes.byref(block.error)
        self.weights_address = base + SLOT_OFFSETS["rollout_is_weights"]
        self.metrics_address = base + SLOT_OFFSETS["metrics"]

    def set_counts(self, tokens: int, sequences: int, dp_size: int, num_threads: int) -> None:
        _CALL_COUNTS.pack_into(self.bytes, COUNTS_OFFSET, tokens, sequences, dp_size, num_threads)

    def set_pointer(self, offset: int, address: int) -> None:
        _POINTER.pack_into(self.bytes, offset, address)

    def message(self) -> str:
        return self.block.message.decode("utf-8", "replace")
