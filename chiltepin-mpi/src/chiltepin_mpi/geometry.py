"""MPI task geometry: how many nodes and ranks a task takes, checked and completed before submission.

A geometry is given as a mapping (``chiltepin_task_geometry=`` merged over
``parsl_resource_specification``). :class:`TaskGeometry` validates it, derives the missing counts and
turns it back into the resource specification the ``mpi`` executor hands to Parsl, with integers
where Parsl itself would leave a float string such as ``"2.0"``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from numbers import Integral
from typing import Any

from chiltepin.plugins import ResolvedResource, did_you_mean

#: Counts a geometry may give; each a positive integer.
COUNT_FIELDS = ("num_nodes", "num_ranks", "ranks_per_node", "threads_per_rank")
#: Every geometry field.
GEOMETRY_FIELDS = COUNT_FIELDS + ("launcher_options",)
#: Non-geometry keys of a resource specification kept unchanged (HTEX's task priority).
PASSTHROUGH_FIELDS = ("priority",)


def _count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


@dataclass(frozen=True)
class TaskGeometry(Mapping[str, Any]):
    """Where an MPI task runs: ``num_nodes`` nodes with ``ranks_per_node`` ranks each.

    It is a read-only mapping of :meth:`as_spec`, so it can be passed as
    ``chiltepin_task_geometry=TaskGeometry(num_nodes=2, ranks_per_node=4)``.

    Give at least one of ``num_ranks`` and ``ranks_per_node``; the rest is derived:
    ``num_ranks = num_nodes * ranks_per_node``, ``ranks_per_node = num_ranks / num_nodes``,
    ``num_nodes = num_ranks / ranks_per_node``, and ``num_nodes`` is 1 when neither of those says
    otherwise. ``threads_per_rank`` (optional) is exported to the task as ``OMP_NUM_THREADS``;
    ``launcher_options`` is appended to the launcher command. Non-integer counts are a TypeError,
    non-positive or inconsistent ones a ValueError naming the fields and values.
    """

    num_nodes: int | None = None
    num_ranks: int | None = None
    ranks_per_node: int | None = None
    threads_per_rank: int | None = None
    launcher_options: str = ""

    def __post_init__(self) -> None:
        nodes, ranks, per_node, threads = (_count(n, getattr(self, n)) for n in COUNT_FIELDS)
        if not isinstance(self.launcher_options, str):
            raise TypeError(f"launcher_options must be a string, got {type(self.launcher_options).__name__} "
                            f"{self.launcher_options!r}")
        try:
            shlex.split(self.launcher_options)
        except ValueError as exc:
            raise ValueError(f"launcher_options {self.launcher_options!r} is not valid shell words ({exc}); it is "
                             f"appended to the launcher command as is, so balance its quotes") from None
        if ranks is None and per_node is None:
            raise ValueError("give num_ranks or ranks_per_node"
                             + (f" (num_nodes={nodes} alone does not say how many ranks)" if nodes else ""))
        if nodes is None:
            if ranks is not None and per_node is not None:
                if ranks % per_node:
                    raise ValueError(f"num_ranks ({ranks}) is not a multiple of ranks_per_node ({per_node})")
                nodes = ranks // per_node
            else:
                nodes = 1
        if ranks is None:
            ranks = nodes * per_node  # type: ignore[operator]
        elif per_node is None:
            if ranks % nodes:
                raise ValueError(f"num_ranks ({ranks}) is not a multiple of num_nodes ({nodes})")
            per_node = ranks // nodes
        elif ranks != nodes * per_node:
            raise ValueError(f"num_ranks ({ranks}) must equal num_nodes ({nodes}) x ranks_per_node ({per_node}) "
                             f"= {nodes * per_node}")
        for name, value in (("num_nodes", nodes), ("num_ranks", ranks), ("ranks_per_node", per_node),
                            ("threads_per_rank", threads)):
            object.__setattr__(self, name, value)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> tuple[TaskGeometry, dict[str, Any]]:
        """Split a resource specification into its geometry and the other keys Parsl understands.

        Any other key is a ValueError naming it.
        """
        if not isinstance(spec, Mapping):
            raise TypeError(f"expected a dict of geometry fields, got {type(spec).__name__} {spec!r}")
        allowed = GEOMETRY_FIELDS + PASSTHROUGH_FIELDS
        unknown = [k for k in spec if k not in allowed]
        if unknown:
            key = unknown[0]
            raise ValueError(f"unknown field {key!r}{did_you_mean(str(key), allowed)}; geometry fields are "
                             f"{', '.join(GEOMETRY_FIELDS)}")
        geometry = cls(**{k: v for k, v in spec.items() if k in GEOMETRY_FIELDS})
        return geometry, {k: v for k, v in spec.items() if k in PASSTHROUGH_FIELDS}

    def as_spec(self) -> dict[str, Any]:
        """The geometry as a resource specification: the three counts, plus the optional fields
        that are set."""
        spec: dict[str, Any] = {"num_nodes": self.num_nodes, "num_ranks": self.num_ranks,
                                "ranks_per_node": self.ranks_per_node}
        if self.threads_per_rank is not None:
            spec["threads_per_rank"] = self.threads_per_rank
        if self.launcher_options:
            spec["launcher_options"] = self.launcher_options
        return spec

    def __getitem__(self, key: str) -> Any:
        return self.as_spec()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_spec())

    def __len__(self) -> int:
        return len(self.as_spec())

    def check_fits(self, resource: ResolvedResource) -> None:
        """Raise ValueError if the geometry is larger than one block of ``resource``."""
        nodes = block_nodes(resource)
        if nodes is not None and self.num_nodes > nodes:  # type: ignore[operator]
            raise ValueError(f"num_nodes ({self.num_nodes}) is more than the {nodes} node(s) in a block of "
                             f"resource '{resource.name}'" + (f" (a {resource.provider} block is this one machine)"
                                                              if resource.runs_locally else ""))
        cores = resource.get("cores_per_node")
        cores_used = self.ranks_per_node * (self.threads_per_rank or 1)  # type: ignore[operator]
        if isinstance(cores, int) and cores_used > cores:
            threads = f" x threads_per_rank ({self.threads_per_rank})" if self.threads_per_rank else ""
            raise ValueError(f"ranks_per_node ({self.ranks_per_node}){threads} needs {cores_used} cores per node, "
                             f"more than cores_per_node ({cores}) of resource '{resource.name}'")


def block_nodes(resource: ResolvedResource) -> int | None:
    """Nodes in one block of ``resource``: its ``nodes_per_block``, 1 on a provider that runs
    locally, else unknown."""
    nodes = resource.get("nodes_per_block")
    if isinstance(nodes, int):
        return nodes
    return 1 if resource.runs_locally else None


def translate(spec: Mapping[str, Any], resource: ResolvedResource | None) -> dict[str, Any]:
    """Validate a merged geometry for ``resource`` (None: not known yet) and return the resource
    specification to submit: the completed geometry plus the passthrough keys, a new dict."""
    if resource is not None and not resource.mpi:
        raise ValueError(f"resource '{resource.name}' is not an MPI resource, so it cannot take a task geometry; "
                         f"send the task to a resource with 'mpi: true' or drop chiltepin_task_geometry")
    geometry, others = TaskGeometry.from_spec(spec)
    if resource is not None:
        geometry.check_fits(resource)
    return {**others, **geometry.as_spec()}
