"""Interchange standbys: one pre-started interchange interpreter per resource that will need one.

The workflow calls :func:`prepare` before Parsl is imported, executor backends built on HTEX ask
:func:`take` for their ``interchange_launch_cmd``, and :func:`release` stops what was not used.
See :mod:`chiltepin._interchange`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable


class _Standby:
    def __init__(self, directory: str, index: int):
        self.socket = os.path.join(directory, f"ic{index}.sock")
        self.process = subprocess.Popen([sys.executable, "-m", "chiltepin._interchange", "serve", self.socket,
                                         str(os.getpid())])
        self.taken = False


_standbys: dict[str, _Standby] = {}
_directory: str | None = None


def prepare(names: Iterable[str]) -> None:
    """Start one standby interchange interpreter for each named resource."""
    global _directory
    release()
    names = list(names)
    if names:
        _directory = tempfile.mkdtemp(prefix="chiltepin-ic-")
        for index, name in enumerate(names):
            _standbys[name] = _Standby(_directory, index)


def take(name: str) -> list[str] | None:
    """The interchange launch command for resource ``name``, or None when it has no standby."""
    standby = _standbys.get(name)
    if standby is None or standby.taken or standby.process.poll() is not None:
        return None
    standby.taken = True
    return [sys.executable, "-m", "chiltepin._interchange", "feed", standby.socket]


def release(keep_taken: bool = False) -> None:
    """Stop the standbys (all, or only those nobody took) and forget them."""
    global _directory
    for standby in _standbys.values():
        if keep_taken and standby.taken:
            continue  # now a running interchange; Parsl stops it through its feed
        if standby.process.poll() is None:
            standby.process.terminate()
            try:
                standby.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                standby.process.kill()
    _standbys.clear()
    if _directory is not None:
        shutil.rmtree(_directory, ignore_errors=True)
        _directory = None
