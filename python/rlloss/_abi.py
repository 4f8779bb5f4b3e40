"""ctypes mirrors of the C structs of rlloss/plugin_api.h, rlloss/host_api.h and dlpack/dlpack.h.

Layouts must match the headers exactly; tests/python/test_abi_layout.py compares them with the
sizes the C compiler reports.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, Structure, c_char_p, c_double, c_int32, c_int64, c_uint8, c_uint16
from ctypes import c_uint32, c_uint64, c_void_p

HOST_API_VERSION_MAJOR = 1

ARG_FLOAT = 1
ARG_INT = 2
ARG_BOOL = 3
ARG_STRING = 4
ARG_TYPE_NAMES = {ARG_FLOAT: "float", ARG_INT: "int", ARG_BOOL: "bool", ARG_STRING: "string"}

# DLPack 0.6 (Debian's libdlpack-dev): device types and type codes.
DL_CPU = 1
DL_CUDA = 2
DL_INT = 0
DL_UINT = 1
DL_FLOAT = 2
DL_BFLOAT = 4
DL_BOOL = 6  # kDLBool, named from DLPack 0.8 on (RLLOSS_DL_BOOL in plugin_api.h)


class DLDevice(Structure):
    _fields_ = [("device_type", c_int32), ("device_id", c_int32)]


class DLDataType(Structure):
    _fields_ = [("code", c_uint8), ("bits", c_uint8), ("lanes", c_uint16)]


class DLTensor(Structure):
    _fields_ = [
        ("data", c_void_p),
        ("device", DLDevice),
        ("ndim", c_int32),
        ("dtype", DLDataType),
        ("shape", POINTER(c_int64)),
        ("strides", POINTER(c_int64)),
        ("byte_offset", c_uint64),
    ]


class ErrorBuffer(Structure):
    _fields_ = [("struct_size", c_uint32), ("data", c_void_p), ("capacity", c_uint64)]


class ArgSpec(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("type", c_int32),
        ("doc", c_char_p),
        ("default_number", c_double),
        ("default_string", c_char_p),
        ("min_value", c_double),
        ("max_value", c_double),
        ("min_inclusive", c_uint32),
        ("max_inclusive", c_uint32),
        ("choices", POINTER(c_char_p)),
        ("num_choices", c_uint32),
        ("default_from", c_char_p),
    ]


class ArgValue(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("type", c_int32),
        ("number", c_double),
        ("string", c_char_p),
    ]


class ComputeCall(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("log_prob", POINTER(DLTensor)),
        ("old_log_prob", POINTER(DLTensor)),
        ("advantages", POINTER(DLTensor)),
        ("response_mask", POINTER(DLTensor)),
        ("rollout_is_weights", POINTER(DLTensor)),
        ("global_token_count", c_int64),
        ("global_seq_count", c_int64),
        ("dp_size", c_int64),
        ("num_threads", c_int32),
        ("stream", c_void_p),
        ("loss", POINTER(DLTensor)),
        ("grad_log_prob", POINTER(DLTensor)),
        ("metrics", POINTER(DLTensor)),
    ]


class PluginInfo(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("version", c_char_p),
        ("description", c_char_p),
        ("path", c_char_p),
        ("devices", c_uint64),
        ("metric_names", POINTER(c_char_p)),
        ("num_metrics", c_uint32),
        ("num_args", c_uint32),
        ("abi_major", c_uint32),
        ("abi_minor", c_uint32),
    ]


class HostArg(Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("name", c_char_p),
        ("type", c_int32),
        ("number", c_double),
        ("string", c_char_p),
        ("source", c_char_p),
    ]


LOG_FN = ctypes.CFUNCTYPE(None, c_int32, c_char_p, c_void_p)


class MessageBuffer:
    """A caller-owned error buffer and its storage."""

    __slots__ = ("storage", "buffer")

    def __init__(self, capacity: int = 4096):
        self.storage = ctypes.create_string_buffer(capacity)
        self.buffer = ErrorBuffer(ctypes.sizeof(ErrorBuffer), ctypes.cast(self.storage, c_void_p), capacity)

    @property
    def text(self) -> str:
        return self.storage.value.decode("utf-8", "replace")

    def clear(self) -> None:
        self.storage[0] = b"\0"


def new_error_buffer() -> ErrorBuffer:
    """A buffer of capacity 0: calls that need no message."""
    return ErrorBuffer(ctypes.sizeof(ErrorBuffer), None, 0)


def new_struct(kind):
    """A zeroed host-API out-struct with its struct_size set."""
    value = kind()
    value.struct_size = ctypes.sizeof(kind)
    return value
