"""A registry of loaded plugins over the host C API: discovery, metadata and schema, YAML."""

from __future__ import annotations

import ctypes
import math
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _abi
from ._library import OwnedHandle, call, library

PathLike = Union[str, "os.PathLike[str]"]
Overrides = Union[Mapping[str, Any], Sequence[str], None]


def _encode(text: PathLike) -> bytes:
    return os.fsencode(text)


def _decode(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw is not None else ""


def _strings(items: Sequence[str]):
    array = (ctypes.c_char_p * max(len(items), 1))(*[_encode(item) for item in items])
    return array, len(items)


@dataclass(frozen=True)
class ArgSpec:
    """One declared argument of a plugin's schema."""

    name: str
    type: str  # "float", "int", "bool" or "string"
    doc: str
    default: Union[float, int, bool, str, None]  # None: from `default_from`, or required
    min_value: Optional[float] = None
    max_value: Optional[float] = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    choices: Tuple[str, ...] = ()
    default_from: Optional[str] = None
    required: bool = False  # no default: the caller must set it

    @staticmethod
    def _from_c(spec: _abi.ArgSpec) -> "ArgSpec":
        kind = _abi.ARG_TYPE_NAMES.get(spec.type, "unknown")
        default_from = _decode(spec.default_from) if spec.default_from else None
        default: Union[float, int, bool, str, None]
        numeric = spec.type in (_abi.ARG_FLOAT, _abi.ARG_INT)
        required = numeric and default_from is None and math.isnan(spec.default_number)
        if default_from is not None or required:
            default = None
        elif spec.type == _abi.ARG_STRING:
            default = _decode(spec.default_string)
        else:
            default = typed_number(spec.type, spec.default_number)
        return ArgSpec(
            name=_decode(spec.name),
            type=kind,
            doc=_decode(spec.doc),
            default=default,
            min_value=spec.min_value if numeric else None,
            max_value=spec.max_value if numeric else None,
            min_inclusive=bool(spec.min_inclusive),
            max_inclusive=bool(spec.max_inclusive),
            choices=tuple(_decode(spec.choices[i]) for i in range(spec.num_choices)),
            default_from=default_from,
            required=required,
        )


def typed_number(arg_type: int, number: float) -> Union[float, int, bool]:
    if arg_type == _abi.ARG_BOOL:
        return number != 0
    if arg_type == _abi.ARG_INT and math.isfinite(number):
        return int(number)
    return number


@dataclass(frozen=True)
class PluginInfo:
    """What a loaded plugin declares: its loss_mode name, metrics and argument schema."""

    name: str
    version: str
    description: str
    path: str
    devices: Tuple[str, ...]
    metric_names: Tuple[str, ...]
    args: Tuple[ArgSpec, ...]
    abi_version: Tuple[int, int]

    def arg(self, name: str) -> Optional[ArgSpec]:
        return next((spec for spec in self.args if spec.name == name), None)


def _device_names(mask: int) -> Tuple[str, ...]:
    names = []
    if mask & (1 << _abi.DL_CPU):
        names.append("cpu")
    if mask & (1 << _abi.DL_CUDA):
        names.append("cuda")
    return tuple(names)


@dataclass(frozen=True)
class ResolvedArg:
    """One argument of a resolved configuration, with where its value came from."""

    name: str
    type: str
    value: Union[float, int, bool, str]
    source: str  # "default", "default_from <arg>", a YAML key path, "override" or "given"


def read_host_arg(arg: _abi.HostArg) -> ResolvedArg:
    value: Union[float, int, bool, str]
    if arg.type == _abi.ARG_STRING:
        value = _decode(arg.string)
    else:
        value = typed_number(arg.type, arg.number)
    return ResolvedArg(
        _decode(arg.name), _abi.ARG_TYPE_NAMES.get(arg.type, "unknown"), value, _decode(arg.source)
    )


class Yaml(OwnedHandle):
    """A parsed verl-shaped trainer YAML (file or text)."""

    _destroy_name = "rlloss_host_yaml_destroy"

    @classmethod
    def load(cls, path: PathLike) -> "Yaml":
        out = ctypes.c_void_p()
        call(library().rlloss_host_yaml_load_file, _encode(path), ctypes.byref(out))
        return cls(out)

    @classmethod
    def parse(cls, text: str, base_dir: Optional[PathLike] = None, source_name: str = "<yaml>") -> "Yaml":
        out = ctypes.c_void_p()
        base = _encode(base_dir) if base_dir is not None else None
        call(
            library().rlloss_host_yaml_parse,
            text.encode("utf-8"),
            base,
            source_name.encode("utf-8"),
            ctypes.byref(out),
        )
        return cls(out)


class ResolvedConfig(OwnedHandle):
    """A loss_mode and every declared argument's value, as the YAML and overrides resolve."""

    _destroy_name = "rlloss_host_config_destroy"

    def __init__(self, handle: ctypes.c_void_p):
        super().__init__(handle)
        args = []
        for index in range(self._lib.rlloss_host_config_num_args(handle)):
            arg = _abi.new_struct(_abi.HostArg)
            call(self._lib.rlloss_host_config_arg, handle, index, ctypes.byref(arg))
            args.append(read_host_arg(arg))
        self.loss_mode: str = _decode(self._lib.rlloss_host_config_loss_mode(handle))
        self.args: Tuple[ResolvedArg, ...] = tuple(args)

    def values(self) -> Dict[str, Union[float, int, bool, str]]:
        return {arg.name: arg.value for arg in self.args}

    def __repr__(self) -> str:
        return f"ResolvedConfig(loss_mode={self.loss_mode!r}, args={self.values()!r})"


def format_override(key: str, value: Any) -> str:
    """key=value with the value spelt as the YAML scalar the C++ rules read back exactly."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        special = {math.inf: ".inf", -math.inf: "-.inf"}
        text = ".nan" if math.isnan(value) else special.get(value, repr(value))
    else:
        text = str(value)
    return f"{key}={text}"


class Registry(OwnedHandle):
    """Plugins loaded from the search path: RLLOSS_PLUGIN_PATH, `extra_dirs`, a YAML's
    plugin_dirs, then the build's or the install's default directory."""

    _destroy_name = "rlloss_host_registry_destroy"

    def __init__(self, extra_dirs: Sequence[PathLike] = (), yaml: Optional[Yaml] = None, load: bool = True):
        super().__init__(ctypes.c_void_p())
        call(self._lib.rlloss_host_registry_create, ctypes.byref(self._handle))
        self._extra_dirs = [os.fspath(d) for d in extra_dirs]
        self._yaml = yaml
        if load:
            dirs, count = _strings(self._extra_dirs)
            call(self._lib.rlloss_host_load_search_path, self._handle, dirs, count, self._yaml_handle())

    def _yaml_handle(self) -> Optional[ctypes.c_void_p]:
        return self._yaml.handle if self._yaml else None

    def search_path(self) -> List[str]:
        """The directories searched, in order."""
        dirs, count = _strings(self._extra_dirs)
        needed = ctypes.c_uint64()
        call(
            self._lib.rlloss_host_search_path, dirs, count, self._yaml_handle(), None, 0, ctypes.byref(needed)
        )
        text = ctypes.create_string_buffer(needed.value)
        call(
            self._lib.rlloss_host_search_path,
            dirs,
            count,
            self._yaml_handle(),
            text,
            needed.value,
            ctypes.byref(needed),
        )
        return [line for line in os.fsdecode(text.value).split("\n") if line]

    def load_directory(self, directory: PathLike) -> int:
        """Loads every plugin in `directory`; returns how many new plugins it added."""
        added = ctypes.c_uint32()
        call(self._lib.rlloss_host_load_directory, self._handle, _encode(directory), ctypes.byref(added))
        return added.value

    def load_file(self, path: PathLike) -> PluginInfo:
        """Loads one plugin library; an error names the file and why it is refused."""
        call(self._lib.rlloss_host_load_file, self._handle, _encode(path))
        real = os.path.realpath(path)
        return next(info for info in self.plugins() if os.path.realpath(info.path) == real)

    def names(self) -> List[str]:
        return [info.name for info in self.plugins()]

    def plugins(self) -> List[PluginInfo]:
        """The loaded plugins, sorted by name."""
        infos = []
        for index in range(self._lib.rlloss_host_num_plugins(self._handle)):
            info = _abi.new_struct(_abi.PluginInfo)
            call(self._lib.rlloss_host_plugin_at, self._handle, index, ctypes.byref(info))
            infos.append(self._read_info(info))
        return infos

    def plugin(self, name: str) -> PluginInfo:
        """The plugin named `name`; an unknown name raises, listing the loaded ones and the path."""
        info = _abi.new_struct(_abi.PluginInfo)
        find = self._lib.rlloss_host_find_plugin
        call(find, self._handle, name.encode("utf-8"), ctypes.byref(info), explain=self._searched_if_empty)
        return self._read_info(info)

    def _searched_if_empty(self) -> str:
        if self._lib.rlloss_host_num_plugins(self._handle) > 0:
            return ""
        searched = ", ".join(self.search_path()) or "(empty)"
        return (
            f"; no plugin was found in the search path: {searched} "
            "(set RLLOSS_PLUGIN_PATH to a directory holding librlloss_<name>.so files)"
        )

    def _read_info(self, info: _abi.PluginInfo) -> PluginInfo:
        args = []
        for index in range(info.num_args):
            spec = ctypes.POINTER(_abi.ArgSpec)()
            call(self._lib.rlloss_host_plugin_arg, self._handle, info.name, index, ctypes.byref(spec))
            args.append(ArgSpec._from_c(spec.contents))
        return PluginInfo(
            name=_decode(info.name),
            version=_decode(info.version),
            description=_decode(info.description),
            path=os.fsdecode(info.path),
            devices=_device_names(info.devices),
            metric_names=tuple(_decode(info.metric_names[i]) for i in range(info.num_metrics)),
            args=tuple(args),
            abi_version=(info.abi_major, info.abi_minor),
        )

    def resolve(self, yaml: Optional[Yaml] = None, overrides: Overrides = None) -> ResolvedConfig:
        """loss_mode and argument values from `yaml` and `overrides` ({"tau_neg": 1.1} or
        ["tau_neg=1.1"]), by the rules of `host_example config`."""
        items, count = _strings(_override_texts(overrides))
        out = ctypes.c_void_p()
        yaml_handle = yaml.handle if yaml else None
        call(
            self._lib.rlloss_host_resolve,
            self._handle,
            yaml_handle,
            items,
            count,
            ctypes.byref(out),
            explain=self._searched_if_empty,
        )
        return ResolvedConfig(out)


def _override_texts(overrides: Overrides) -> List[str]:
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [format_override(key, value) for key, value in overrides.items()]
    if isinstance(overrides, str):
        return [overrides]
    return list(overrides)
