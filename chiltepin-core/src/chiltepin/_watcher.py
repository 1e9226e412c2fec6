"""The watcher process: it ends a run whose workflow process died without cleaning up.

Started by :class:`chiltepin._watch.Watcher` as ``python -S .../chiltepin/_watcher.py <workflow
pid> <token>``, at the lowest CPU priority. It reads job reports on stdin and checks every
:data:`POLL` seconds that the workflow process is alive. Until it has something to end it imports
only a few standard-library modules: not the chiltepin package, not site-packages, not psutil,
so that it adds nothing measurable to a workflow's start.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":  # run as a file: chiltepin's own directory must not shadow the standard library
    del sys.path[0]

import json
import os
import select
import signal
import time

#: The environment variable every process of a run carries.
MARKER = "CHILTEPIN_RUN"
#: Seconds between the watcher's checks that the workflow process is alive.
POLL = 0.2
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
#: Whether processes can be read from ``/proc`` (Linux); elsewhere a missing file there means nothing.
_HAS_PROC = os.path.isdir("/proc/self")


def run_processes(token: str, exclude: set[int]) -> list:  # of psutil.Process
    """Every process carrying ``CHILTEPIN_RUN=token`` (readable by this user), minus ``exclude``."""
    psutil = _psutil()
    found = []
    for proc in psutil.process_iter(["pid"]):
        if proc.pid in exclude:
            continue
        try:
            if proc.environ().get(MARKER) == token:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kill_run_processes(token: str) -> None:
    psutil = _psutil()
    for proc in run_processes(token, {os.getpid()}):
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def end_run(token: str, jobs: dict[str, tuple[str, list[str]]]) -> None:
    """Kill every process of the run and cancel its batch jobs."""
    import base64
    import pickle

    kill_run_processes(token)
    for blob, job_ids in jobs.values():
        try:
            pickle.loads(base64.b64decode(blob)).cancel(job_ids)
        except Exception as exc:
            print(f"chiltepin watcher: cancelling jobs {job_ids} failed: {exc!r}", file=sys.stderr)
    kill_run_processes(token)  # what a fork in between, or the cancellation, left behind


def _psutil():  # noqa: ANN202 (the psutil module)
    """psutil, imported when the watcher has something to end: it starts without site-packages
    (``-S``), so they are added first, as site would have."""
    if "psutil" not in sys.modules and sys.flags.no_site:
        import site

        site.main()
    import psutil

    return psutil


def _start_time(pid: int) -> str | None:
    """``pid``'s start time (Linux ``/proc``, else psutil), or None once it has exited or is a zombie."""
    if not _HAS_PROC:  # macOS
        psutil = _psutil()
        try:
            proc = psutil.Process(pid)
            return None if proc.status() == psutil.STATUS_ZOMBIE else str(proc.create_time())
        except psutil.NoSuchProcess:
            return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()  # after the command name, which may hold spaces
    except OSError:  # gone (or going: ESRCH)
        return None
    return None if fields[0] in "ZX" else fields[19]


def watch(pid: int, token: str) -> None:
    os.nice(19)  # where it was started through ``nice``, it stays at the lowest
    # A batch system ending a job (scancel) signals each of its processes, the workflow's and this
    # one: this one stays to end what escapes the job's tracking, and exits once the workflow is gone.
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    born = _start_time(pid)
    if born is None:
        return
    jobs: dict[str, tuple[str, list[str]]] = {}
    stdin = sys.stdin.buffer
    reading = True
    while True:
        if reading and select.select([stdin], [], [], POLL)[0]:
            line = stdin.readline()
            if not line:
                reading = False  # the pipe closed: only the process check is left
            else:
                message = json.loads(line)
                if message.get("stop"):
                    return
                ids = jobs.get(message["label"], ("", []))[1] + [str(message["job"])]
                jobs[message["label"]] = (message["provider"], ids)
                continue
        elif not reading:
            time.sleep(POLL)
        if _start_time(pid) != born:
            end_run(token, jobs)
            return


if __name__ == "__main__":
    watch(int(sys.argv[1]), sys.argv[2])
