"""Standbys: processes the workflow starts before Parsl asks for them (:mod:`chiltepin._prestart`).

The workflow calls :func:`prepare` before Parsl is imported, with the resources that will need
an interchange and those whose first worker pool can be started early; builders ask
:func:`take` for the command that hands work to a standby; :func:`release` stops what nobody
took, and :func:`stop_unfed` what was taken but never handed work (a block that never started).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable


class _Standby:
    def __init__(self, directory: str, index: int, kind: str, log: str | None):
        self.socket = os.path.join(directory, f"{kind}{index}.sock")
        # A pool's forkserver starts before the pool is handed its block's output files, so it and
        # the workers it forks write to ``log``; an interchange writes where Parsl's would.
        output = open(log, "ab") if log else None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "chiltepin._prestart", "serve", kind, self.socket, str(os.getpid())],
                start_new_session=True, stdout=output, stderr=output)
        finally:
            if output is not None:
                output.close()
        self.taken = False

    @property
    def waiting(self) -> bool:
        """Still waiting for its feed (it removes its socket when fed)."""
        return self.process.poll() is None and os.path.exists(self.socket)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


_standbys: dict[tuple[str, str], _Standby] = {}
_deferred: set[str] = set()
_taken: list[_Standby] = []
_directory: str | None = None
_log_dir = ""


def prepare(requests: Iterable[tuple[str, str]], log_dir: str) -> None:
    """Start one standby per (resource name, kind) request; pools log to ``log_dir/<name>.log``.

    Interchanges start now, to import alongside the workflow. Pools start when taken: the
    workflow has imported Parsl by then, so they do not compete with it and the interchanges
    for the two cores of a laptop, and they are still ready before the first block launches.
    """
    global _log_dir
    release()
    _log_dir = log_dir
    for name, kind in requests:
        if kind == "pool":
            _deferred.add(name)
        else:
            _standbys[(name, kind)] = _Standby(_socket_directory(), len(_standbys), kind, None)


def _socket_directory() -> str:
    global _directory
    if _directory is None:
        _directory = tempfile.mkdtemp(prefix="chiltepin-standby-")
    return _directory


def take(name: str, kind: str) -> str | None:
    """The socket of the standby of ``kind`` for resource ``name``, or None when there is none."""
    if kind == "pool" and name in _deferred:
        _deferred.discard(name)
        os.makedirs(_log_dir, exist_ok=True)
        _standbys[(name, kind)] = _Standby(_socket_directory(), len(_standbys), kind,
                                           os.path.join(_log_dir, f"{name}.log"))
    standby = _standbys.get((name, kind))
    if standby is None or standby.taken or standby.process.poll() is not None:
        return None
    standby.taken = True
    return standby.socket


def release(keep_taken: bool = False) -> None:
    """Stop the standbys (all, or all but those taken) and forget them."""
    for standby in _standbys.values():
        if keep_taken and standby.taken:
            _taken.append(standby)  # a running interchange, or a pool its block may still start
        else:
            standby.stop()
    _standbys.clear()
    _deferred.clear()
    if not keep_taken:
        stop_unfed()


def stop_unfed() -> None:
    """Stop taken standbys that were never handed work, and remove the socket directory."""
    global _directory
    for standby in _taken:
        if standby.waiting:
            standby.stop()
    _taken.clear()
    if _directory is not None:
        shutil.rmtree(_directory, ignore_errors=True)
        _directory = None
