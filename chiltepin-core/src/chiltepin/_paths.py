"""Path strings in ``inputs=`` and ``outputs=``: tracked by Parsl as Files, seen by the task as strings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parsl.data_provider.files import File


class PathString(str, File):
    """A path the user gave as a string: a Parsl :class:`~parsl.data_provider.files.File` (so outputs
    become ``future.outputs`` and inputs wait for the tasks that write them) that is also the
    string itself, so ``' '.join(inputs)`` and ``open(outputs[0])`` work in the task."""

    def __new__(cls, url: str) -> PathString:
        return super().__new__(cls, url)

    def __init__(self, url: str):
        File.__init__(self, url)

    def cleancopy(self) -> PathString:
        return PathString(self.url)


def tracked(paths: Iterable[Any]) -> list[Any]:
    """``paths`` with every plain string made a :class:`PathString` (a new list; others unchanged)."""
    return [PathString(p) if type(p) is str else p for p in paths]
