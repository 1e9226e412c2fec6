"""Chiltepin: workflows of decorated Python tasks on laptops, HPC clusters and remote centres.

``import chiltepin`` is light: Parsl, the configuration machinery and the plugins load on first use.
"""

from __future__ import annotations

from typing import Any

from .errors import ChiltepinError, ConfigError, PluginError, UnknownResourceError, WorkflowError

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("chiltepin-core")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+source"

#: Public names loaded on first use, by the module that holds them.
_LAZY = {"Workflow": "workflow", "active_workflow": "workflow", "PoolExecutor": "concurrent",
         **dict.fromkeys(("parallel", "pipeline", "Graph", "GraphError", "ContainerTask", "ParallelTask",
                          "MapReduceTask"), "patterns")}

__all__ = ["ChiltepinError", "ConfigError", "PluginError", "UnknownResourceError", "WorkflowError", "__version__",
           *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'chiltepin' has no attribute {name!r}")
