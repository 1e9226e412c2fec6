"""Merging a task's ``chiltepin_task_geometry`` over its ``parsl_resource_specification``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_geometry(resource_specification: Mapping[str, Any] | None,
                   geometry: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a new dict: the resource specification with the geometry's keys laid over it.

    None counts as empty; neither input is modified. Anything but a mapping is a TypeError
    naming the argument.
    """
    for name, value in (("parsl_resource_specification", resource_specification),
                        ("chiltepin_task_geometry", geometry)):
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{name} must be a dict, got {type(value).__name__} {value!r}")
    return {**(resource_specification or {}), **(geometry or {})}
