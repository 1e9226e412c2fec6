"""What the running workflow tells the task wrappers: its resources, options and whether to memoize."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .plugins.records import ResolvedResource

_generations = itertools.count(1)


class RuntimeState:
    """Set by :class:`chiltepin.Workflow` on start, cleared on cleanup.

    ``generation`` changes with every start, so tasks rebuild the Parsl apps they cached (a
    resource's timeout may differ from one workflow to the next).
    """

    labels: frozenset[str] | None
    resources: Mapping[str, ResolvedResource]
    options: Mapping[str, Any]
    memoize: bool
    generation: int

    def __init__(self) -> None:
        self.generation = 0
        self.deactivate()

    def activate(self, resources: Mapping[str, ResolvedResource], memoize: bool,
                 options: Mapping[str, Any] | None = None) -> None:
        self.resources = MappingProxyType(dict(resources))
        self.options = MappingProxyType(dict(options or {}))
        self.memoize = memoize
        self.labels = frozenset(resources)
        self.generation = next(_generations)

    def deactivate(self) -> None:
        self.labels = None
        self.resources = MappingProxyType({})
        self.options = MappingProxyType({})
        self.memoize = False


state = RuntimeState()


def parsl_kernel_loaded() -> bool:
    """Whether a Parsl DataFlowKernel is loaded, without importing Parsl (a kernel cannot exist
    before Parsl is imported, and the workflow must not spend half a second on that too early)."""
    dflow = sys.modules.get("parsl.dataflow.dflow")
    return dflow is not None and dflow.DataFlowKernelLoader._dfk is not None
