"""Chiltepin: workflows of decorated Python tasks on laptops, HPC clusters and remote centres.

``import chiltepin`` is light: Parsl, the configuration machinery and the plugins load on first use.
"""

from __future__ import annotations

from typing import Any

from .errors import (
    ChiltepinError,
    ConfigError,
    PluginError,
    TaskCancelled,
    TaskError,
    TaskLost,
    TaskTimeout,
    UnknownResourceError,
    UpstreamTaskError,
    WorkflowError,
)

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("chiltepin-core")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+source"

__all__ = ["BashTaskError", "ChiltepinError", "ConfigError", "PluginError", "TaskCancelled", "TaskError", "TaskLost",
           "TaskTimeout", "UnknownResourceError", "UpstreamTaskError", "Workflow", "WorkflowError", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Workflow":
        from .workflow import Workflow

        return Workflow
    if name == "BashTaskError":  # it extends Parsl's BashExitFailure, so it loads with Parsl
        from ._remote import BashTaskError

        return BashTaskError
    raise AttributeError(f"module 'chiltepin' has no attribute {name!r}")
