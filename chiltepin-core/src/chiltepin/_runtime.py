"""What the running workflow tells the task wrappers: its resources and whether to memoize."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import MappingProxyType

from .plugins.records import ResolvedResource


class RuntimeState:
    """Set by :class:`chiltepin.Workflow` on start, cleared on cleanup."""

    labels: frozenset[str] | None
    resources: Mapping[str, ResolvedResource]
    memoize: bool

    def __init__(self) -> None:
        self.deactivate()

    def activate(self, resources: Mapping[str, ResolvedResource], memoize: bool) -> None:
        self.resources = MappingProxyType(dict(resources))
        self.memoize = memoize
        self.labels = frozenset(resources)

    def deactivate(self) -> None:
        self.labels = None
        self.resources = MappingProxyType({})
        self.memoize = False


state = RuntimeState()


def parsl_kernel_loaded() -> bool:
    """Whether a Parsl DataFlowKernel is loaded, without importing Parsl (a kernel cannot exist
    before Parsl is imported, and the workflow must not spend half a second on that too early)."""
    dflow = sys.modules.get("parsl.dataflow.dflow")
    return dflow is not None and dflow.DataFlowKernelLoader._dfk is not None
