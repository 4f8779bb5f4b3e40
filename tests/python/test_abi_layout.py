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
