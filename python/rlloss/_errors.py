"""Exceptions raised by rlloss, one per status code of the C ABI."""

from __future__ import annotations

OK = 0
INVALID_ARGUMENT = 1
UNSUPPORTED = 2
DEVICE = 3
INTERNAL = 4


class Error(Exception):
    """An error reported by the host library or a plugin: ``status`` is the C status code."""

    def __init__(self, message: str, status: int = INTERNAL):
        super().__init__(message)
        self.message = message
        self.status = status


class InvalidArgumentError(Error, ValueError):
    """Bad input: an argument value, a tensor, a name, a YAML key (RLLOSS_ERROR_INVALID_ARGUMENT)."""


class UnsupportedError(Error, TypeError):
    """A valid request the plugin cannot serve, e.g. a dtype or a device (RLLOSS_ERROR_UNSUPPORTED)."""


class DeviceError(Error, RuntimeError):
    """A device runtime failed, e.g. no CUDA device (RLLOSS_ERROR_DEVICE)."""


class InternalError(Error, RuntimeError):
    """Anything else (RLLOSS_ERROR_INTERNAL)."""


class LibraryNotFoundError(Error, OSError):
    """librlloss_host.so could not be found or loaded."""


class LossWarning(UserWarning):
    """A plugin accepted a legal but questionable setting (e.g. tau_neg < tau_pos)."""


_BY_STATUS = {
    INVALID_ARGUMENT: InvalidArgumentError,
    UNSUPPORTED: UnsupportedError,
    DEVICE: DeviceError,
}


def error_for(status: int, message: str) -> Error:
    """The exception for a failed call's status and message."""
    return _BY_STATUS.get(status, InternalError)(message or f"failed with status {status}", status)
