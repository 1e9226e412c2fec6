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

#: Public names loaded on first use, by the module that holds them. BashTaskError extends Parsl's
#: BashExitFailure, so it loads with Parsl.
_LAZY = {"Workflow": "workflow", "active_workflow": "workflow", "PoolExecutor": "concurrent",
         "BashTaskError": "_remote",
         **dict.fromkeys(("parallel", "pipeline", "Graph", "GraphError", "ContainerTask", "ParallelTask",
                          "MapReduceTask"), "patterns")}

__all__ = ["ChiltepinError", "ConfigError", "PluginError", "TaskCancelled", "TaskError", "TaskLost", "TaskTimeout",
           "UnknownResourceError", "UpstreamTaskError", "WorkflowError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    if name == "__version__":  # read from the installed metadata on first use (importlib.metadata is slow)
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("chiltepin-core")
        except PackageNotFoundError:  # running from a source tree
            return "0.0.0+source"
    raise AttributeError(f"module 'chiltepin' has no attribute {name!r}")
