"""Cold start: a fresh process from `import chiltepin` to the first result on the default `local`
resource, against raw Parsl's default HighThroughputExecutor on loopback (Parsl's defaults, the
address pinned so that no outside address is probed), with a bare `import parsl` in a fresh
process as the floor. Prints medians of several fresh processes each, the ratio to the floor,
the load average, and which first-party plugins the measured environment has installed.

Run: .venv/bin/python benchmarks/cold_start.py [--runs 7] [--user-env core|full | --python ENV/bin/python]
``--user-env`` measures what users install (see user_env.py): ``core`` is ``pip install
chiltepin-core``, ``full`` every first-party plugin and globus-compute-sdk. Without it, this
(development) environment is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time

import psutil
from user_env import add_environment_options, interpreter

CHILTEPIN = """
import time
t0 = time.perf_counter()
from chiltepin import Workflow
from chiltepin.tasks import python_task
@python_task
def one():
    return 1
with Workflow(run_dir=RUN_DIR, **OPTIONS):
    one(executor="local").result()
    print(time.perf_counter() - t0)
"""

RAW_PARSL = """
import time
t0 = time.perf_counter()
import parsl
from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.providers import LocalProvider
@parsl.python_app
def one():
    return 1
config = Config(executors=[HighThroughputExecutor(address="127.0.0.1", provider=LocalProvider(init_blocks=1))],
                run_dir=RUN_DIR)
with parsl.load(config):
    one().result()
    print(time.perf_counter() - t0)
"""

IMPORT_PARSL = """
import time
t0 = time.perf_counter()
import parsl
print(time.perf_counter() - t0)
"""

INSTALLED = """
import importlib.util, json
names = ["chiltepin_slurm", "chiltepin_mpi", "chiltepin_globus", "globus_compute_sdk"]
print(json.dumps([n for n in names if importlib.util.find_spec(n)]))
"""


def timed(python: str, source: str, run_dir: str, env: dict[str, str] | None = None,
          options: dict[str, object] | None = None) -> float:
    code = source.replace("RUN_DIR", repr(run_dir)).replace("OPTIONS", repr(options or {}))
    # Raw Parsl finds interchange.py and process_worker_pool.py on PATH: activate the environment.
    env = {**os.environ, **(env or {}), "PATH": os.path.dirname(python) + os.pathsep + os.environ.get("PATH", "")}
    # Its own session: once it has exited, wait for what it left running (raw Parsl's workers outlive
    # its process by a while), so that the next run starts on an idle machine.
    run = subprocess.Popen([python, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=env, start_new_session=True)
    out, err = run.communicate()
    _wait_for_session(run.pid)
    if run.returncode:
        raise subprocess.CalledProcessError(run.returncode, python, out, err)
    return float(out.strip().splitlines()[-1])


def _wait_for_session(session: int, timeout: float = 30) -> None:
    """Wait until no process of ``session`` is left; kill (by pid) what is still there after ``timeout``."""
    deadline = time.monotonic() + timeout
    while left := _session_members(session):
        if time.monotonic() > deadline:
            for pid in left:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.05)


def _session_members(session: int) -> list[int]:
    members = []
    for proc in psutil.process_iter(["status"]):
        with contextlib.suppress(OSError):  # gone in between
            if os.getsid(proc.pid) == session and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc.pid)
    return members


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def describe(python: str) -> str:
    installed = json.loads(subprocess.run([python, "-c", INSTALLED], capture_output=True, text=True,
                                          check=True).stdout)
    return ", ".join(installed) if installed else "core only (no first-party plugin, no globus-compute-sdk)"


def summary(name: str, values: list[float], floor: float | None = None) -> str:
    median = statistics.median(values)
    ratio = f"  {median / floor:4.2f}x the floor" if floor else ""
    return f"{name:32} median {median:5.2f} s  (min {min(values):.2f}, max {max(values):.2f}){ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    add_environment_options(parser)
    args = parser.parse_args()
    args.python = interpreter(args)
    run_dir = tempfile.mkdtemp(prefix="chiltepin-cold-")
    print(f"environment: {args.python}; installed: {describe(args.python)}")
    print(f"load average before: {load_average()}")
    names = ("import parsl (floor)", "chiltepin (local)", "raw parsl (HTEX defaults)")
    results: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.runs):  # interleaved, so that load changes hit every variant alike
        for name, source in zip(names, (IMPORT_PARSL, CHILTEPIN, RAW_PARSL), strict=True):
            results[name].append(timed(args.python, source, run_dir))
    floor = statistics.median(results[names[0]])
    print(f"import to first result, {args.runs} fresh processes each; load average after: {load_average()}")
    for name, values in results.items():
        print(summary(name, values, floor if name != names[0] else None))


if __name__ == "__main__":
    main()
