"""The package's ctypes structs have the C compiler's layout (sizes and offsets from a C++ program
that includes the headers)."""

from __future__ import annotations

import ctypes
import os
import subprocess

import pytest

from rlloss import _abi

ORACLE = os.environ.get("RLLOSS_TEST_ORACLE")
MIRRORS = {
    "DLTensor": _abi.DLTensor,
    "rlloss_error_buffer": _abi.ErrorBuffer,
    "rlloss_arg_spec": _abi.ArgSpec,
    "rlloss_arg_value": _abi.ArgValue,
    "rlloss_compute_call": _abi.ComputeCall,
    "rlloss_host_plugin_info": _abi.PluginInfo,
    "rlloss_host_arg": _abi.HostArg,
}


@pytest.mark.skipif(not ORACLE, reason="RLLOSS_TEST_ORACLE is not set; run through CTest")
def test_ctypes_layout_matches_the_c_headers():
    lines = subprocess.run([ORACLE, "layout"], check=True, capture_output=True, text=True).stdout.splitlines()
    assert len(lines) > 30
    seen = set()
    for line in lines:
        struct, field, value = line.split()
        mirror = MIRRORS[struct]
        seen.add(struct)
        if field == "sizeof":
            assert ctypes.sizeof(mirror) == int(value), struct
        else:
            assert getattr(mirror, field).offset == int(value), f"{struct}.{field}"
    assert seen == set(MIRRORS)


@pytest.mark.skipif(not ORACLE, reason="RLLOSS_TEST_ORACLE is not set; run through CTest")
def test_the_dtype_table_is_the_cpp_bindings():
    from rlloss import _tensors

    by_name = {
        str(dtype).replace("torch.", ""): code_bits for dtype, code_bits in _tensors.DLPACK_DTYPES.items()
    }
    c10_names = {
        "Float": "float32",
        "Double": "float64",
        "Half": "float16",
        "BFloat16": "bfloat16",
        "Bool": "bool",
        "Byte": "uint8",
        "Char": "int8",
        "Short": "int16",
        "Int": "int32",
        "Long": "int64",
    }
    lines = subprocess.run([ORACLE, "dtypes"], check=True, capture_output=True, text=True).stdout.splitlines()
    assert len(lines) == len(c10_names)
    for line in lines:
        c10_name, code, bits = line.split()
        assert by_name[c10_names[c10_name]] == (int(code), int(bits)), c10_name
    assert by_name["bool"] == (6, 8)  # kDLBool of DLPack 0.8, in both
