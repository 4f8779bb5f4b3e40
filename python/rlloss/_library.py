"""Finding and loading librlloss_host.so, and the ctypes prototypes of its C API (host_api.h)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sysconfig
import threading
from pathlib import Path

from . import _abi
from ._errors import OK, LibraryNotFoundError, error_for

LIBRARY_NAME = "librlloss_host.so"
_ERROR_CAPACITY = 4096


def candidate_paths() -> list[Path]:
    """Where the library is looked for, in order (RLLOSS_HOST_LIBRARY alone when it is set)."""
    named = os.environ.get("RLLOSS_HOST_LIBRARY")
    if named:
        return [Path(named)]
    package = Path(__file__).resolve().parent
    paths = [
        # A source checkout: python/rlloss beside build/.
        package.parent.parent
        / "build"
        / "registry"
        / LIBRARY_NAME,
    ]
    # An install prefix holding the package: <prefix>/lib/python3[.X]/{site,dist}-packages/rlloss,
    # then the usual prefixes; the library in <prefix>/lib or <prefix>/lib/<multiarch>.
    prefixes = [package.parents[3]] if len(package.parents) > 3 else []
    prefixes += [Path("/usr/local"), Path("/usr")]
    multiarch = sysconfig.get_config_var("MULTIARCH")
    for prefix in prefixes:
        paths.append(prefix / "lib" / LIBRARY_NAME)
        if multiarch:
            paths.append(prefix / "lib" / multiarch / LIBRARY_NAME)
    return paths


def _load() -> ctypes.CDLL:
    tried = []
    for path in candidate_paths():
        if path.is_file():
            try:
                return ctypes.CDLL(str(path))
            except OSError as e:
                raise LibraryNotFoundError(f"cannot load {path}: {e}") from e
        tried.append(str(path))
    found = ctypes.util.find_library("rlloss_host")
    if found and not os.environ.get("RLLOSS_HOST_LIBRARY"):
        return ctypes.CDLL(found)
    tried.append("the system's library path (ldconfig)")
    hint = (
        "RLLOSS_HOST_LIBRARY names a file that does not exist"
        if os.environ.get("RLLOSS_HOST_LIBRARY")
        else "build it (scripts/setup.sh, or cmake --build build), install it "
        "(cmake --install build), or set RLLOSS_HOST_LIBRARY to its path"
    )
    raise LibraryNotFoundError(f"cannot find {LIBRARY_NAME}; looked at: {', '.join(tried)}. {hint}")


def _declare(lib: ctypes.CDLL) -> None:
    c = ctypes
    status = c.c_int32
    err = c.POINTER(_abi.ErrorBuffer)
    registry = c.c_void_p
    strings = c.POINTER(c.c_char_p)
    prototypes = {
        "rlloss_host_api_version": (c.c_uint32, []),
        "rlloss_host_set_logger": (status, [_abi.LOG_FN, c.c_void_p, c.c_int32, err]),
        "rlloss_host_registry_create": (status, [c.POINTER(c.c_void_p), err]),
        "rlloss_host_registry_destroy": (None, [registry]),
        "rlloss_host_search_path": (
            status,
            [strings, c.c_uint32, c.c_void_p, c.c_char_p, c.c_uint64, c.POINTER(c.c_uint64), err],
        ),
        "rlloss_host_load_search_path": (status, [registry, strings, c.c_uint32, c.c_void_p, err]),
        "rlloss_host_load_directory": (status, [registry, c.c_char_p, c.POINTER(c.c_uint32), err]),
        "rlloss_host_load_file": (status, [registry, c.c_char_p, err]),
        "rlloss_host_num_plugins": (c.c_uint32, [registry]),
        "rlloss_host_plugin_at": (status, [registry, c.c_uint32, c.POINTER(_abi.PluginInfo), err]),
        "rlloss_host_find_plugin": (status, [registry, c.c_char_p, c.POINTER(_abi.PluginInfo), err]),
        "rlloss_host_plugin_arg": (
            status,
            [registry, c.c_char_p, c.c_uint32, c.POINTER(c.POINTER(_abi.ArgSpec)), err],
        ),
        "rlloss_host_yaml_load_file": (status, [c.c_char_p, c.POINTER(c.c_void_p), err]),
        "rlloss_host_yaml_parse": (
            status,
            [c.c_char_p, c.c_char_p, c.c_char_p, c.POINTER(c.c_void_p), err],
        ),
        "rlloss_host_yaml_destroy": (None, [c.c_void_p]),
        "rlloss_host_resolve": (
            status,
            [registry, c.c_void_p, strings, c.c_uint32, c.POINTER(c.c_void_p), err],
        ),
        "rlloss_host_config_destroy": (None, [c.c_void_p]),
        "rlloss_host_config_loss_mode": (c.c_char_p, [c.c_void_p]),
        "rlloss_host_config_num_args": (c.c_uint32, [c.c_void_p]),
        "rlloss_host_config_arg": (status, [c.c_void_p, c.c_uint32, c.POINTER(_abi.HostArg), err]),
        "rlloss_host_loss_create": (
            status,
            [registry, c.c_char_p, c.POINTER(_abi.ArgValue), c.c_uint32, c.POINTER(c.c_void_p), err],
        ),
        "rlloss_host_loss_create_from_config": (
            status,
            [registry, c.c_void_p, c.POINTER(c.c_void_p), err],
        ),
        "rlloss_host_loss_destroy": (None, [c.c_void_p]),
        "rlloss_host_loss_plugin": (status, [c.c_void_p, c.POINTER(_abi.PluginInfo), err]),
        "rlloss_host_loss_num_args": (c.c_uint32, [c.c_void_p]),
        "rlloss_host_loss_arg": (status, [c.c_void_p, c.c_uint32, c.POINTER(_abi.HostArg), err]),
        "rlloss_host_loss_compute": (status, [c.c_void_p, c.POINTER(_abi.ComputeCall), err]),
    }
    for name, (restype, argtypes) in prototypes.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


_LEVELS = {1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
_logger = logging.getLogger("rlloss")


@_abi.LOG_FN
def _forward_log(level: int, message: bytes, _user_data) -> None:
    _logger.log(_LEVELS.get(level, logging.ERROR), "%s", message.decode("utf-8", "replace"))


_lock = threading.Lock()
_lib = None


def library() -> ctypes.CDLL:
    """The loaded host library (loaded once; its registry log goes to logging's "rlloss")."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            lib = _load()
            _declare(lib)
            version = lib.rlloss_host_api_version()
            if version >> 16 != _abi.HOST_API_VERSION_MAJOR:
                raise LibraryNotFoundError(
                    f"{lib._name} speaks host API {version >> 16}.{version & 0xFFFF}; "
                    f"this package needs {_abi.HOST_API_VERSION_MAJOR}.x"
                )
            buffer = _abi.new_error_buffer()
            lib.rlloss_host_set_logger(_forward_log, None, 2, ctypes.byref(buffer))
            _lib = lib
    return _lib


class OwnedHandle:
    """An opaque handle of the host library, freed by its `rlloss_host_*_destroy` function when the
    Python object goes (never twice)."""

    _destroy_name = ""  # set by each subclass

    def __init__(self, handle: ctypes.c_void_p):
        self._lib = library()
        self._handle = handle

    @property
    def handle(self) -> ctypes.c_void_p:
        return self._handle

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            getattr(self._lib, self._destroy_name)(handle)
            self._handle = None


def call(function, *args, explain=None) -> str:
    """Calls a host-API function whose last parameter is the error buffer; raises its error (with
    `explain()` appended when given)."""
    message = _abi.MessageBuffer()
    status = function(*args, ctypes.byref(message.buffer))
    if status != OK:
        raise error_for(status, message.text + (explain() if explain else ""))
    return message.text  # a warning, for the calls that may leave one
