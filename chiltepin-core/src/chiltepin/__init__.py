"""Chiltepin: workflows of decorated Python tasks on laptops, HPC clusters and remote centres.

``import chiltepin`` is light: Parsl, the configuration machinery and the plugins load on first use.
"""

from __future__ import annotations

from typing import Any

from .errors import ChiltepinError, ConfigError, PluginError, UnknownResourceError, WorkflowError

__all__ = ["ChiltepinError", "ConfigError", "PluginError", "UnknownResourceError", "Workflow", "WorkflowError",
           "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Workflow":
        from .workflow import Workflow

        return Workflow
    if name == "__version__":  # read from the installed metadata on first use (importlib.metadata is slow)
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("chiltepin-core")
        except PackageNotFoundError:  # running from a source tree
            return "0.0.0+source"
    raise AttributeError(f"module 'chiltepin' has no attribute {name!r}")
