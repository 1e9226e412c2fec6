"""Helpers for the stopping tests: start a workflow process, signal it, find what it left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

DRIVER = Path(__file__).with_name("stop_driver.py")


def _own_helpers() -> set[int]:
    """This process and its multiprocessing resource tracker (started on first use, by whatever
    run used multiprocessing first, and ending with this process): never a run's leftover."""
    from multiprocessing import resource_tracker

    return {os.getpid(), getattr(resource_tracker._resource_tracker, "_pid", None) or -1}


def _marked(match) -> list[psutil.Process]:
    found = []
    own = _own_helpers()
    for proc in psutil.process_iter():
        if proc.pid in own:
            continue
        try:
            if match(proc.environ()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def run_processes(token: str) -> list[psutil.Process]:
    """The live processes carrying the run's token (zombies have no environment left to read)."""
    return _marked(lambda env: env.get("CHILTEPIN_RUN") == token)


def session_run_processes(session: str, keep: str | None) -> list[psutil.Process]:
    """The live processes of any workflow run of this test session, except run ``keep``'s."""
    return _marked(lambda env: env.get("CHILTEPIN_TEST_SESSION") == session
                   and env.get("CHILTEPIN_RUN") not in (None, keep))


@dataclass
class Run:
    proc: subprocess.Popen
    token: str
    log: Path
    run_dir: Path

    def task_starts(self) -> list[float]:
        return [float(line.split()[0]) for line in self.log.read_text().splitlines() if line.strip()]

    def leftovers(self, within: float) -> list[psutil.Process]:
        """The run's processes still alive after waiting up to ``within`` seconds for them to go."""
        deadline = time.monotonic() + within
        while (left := run_processes(self.token)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def kill_leftovers(self) -> None:
        """Kill the driver (its own environment does not show the token it set) and the run's processes."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for proc in run_processes(self.token):
            proc.kill()


def start_run(config: dict, tmp_path: Path, timeout: float = 180, session: bool = False) -> Run:
    """Start the driver (with ``session``, in a session and process group of its own, as a shell
    runs a job) and return once one of its tasks has started."""
    log = tmp_path / "starts"
    log.touch()
    proc = subprocess.Popen([sys.executable, str(DRIVER), json.dumps(config), str(tmp_path / "run"), str(log)],
                            stdout=subprocess.PIPE, text=True, start_new_session=session)
    token = proc.stdout.readline().strip()
    run = Run(proc, token, log, tmp_path / "run")
    deadline = time.monotonic() + timeout
    while not run.task_starts():
        if proc.poll() is not None or time.monotonic() > deadline:
            run.kill_leftovers()
            proc.kill()
            raise AssertionError(f"the workflow process did not start a task (exit {proc.poll()})")
        time.sleep(0.1)
    return run


def signal_and_wait(run: Run, signum: int, group: bool = False) -> tuple[int, float]:
    """Send ``signum`` to the driver (with ``group``, to its whole process group, as a terminal's
    hangup does); return the exit status and the time the process was gone."""
    if group:
        os.killpg(run.proc.pid, signum)
    else:
        os.kill(run.proc.pid, signum)
    try:
        code = run.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.kill(run.proc.pid, signal.SIGUSR1)  # the driver prints every thread's stack to stderr
        time.sleep(2)
        raise
    return code, time.time()
