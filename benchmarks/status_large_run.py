"""How fast ``chiltepin status`` answers on a run of 100,000 tasks (target: under a second).

Writes a synthetic run database of that size with the recorder's own schema (tasks over two
resources and five task names, four state events and one attempt each, a dependency chain per
name, a few failures, 40 blocks), then times the whole command (a new process, as a user runs
it) for the summary and for --json, and prints the median wall and CPU times (CPU time is what
a loaded machine distorts least) with the load average.
Run: .venv/bin/python benchmarks/status_large_run.py [--tasks 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from chiltepin.runs.schema import DB_NAME, open_for_writing

NAMES = ("fetch", "regrid", "forecast", "verify", "plot")
RESOURCES = ("hpc", "local")


def synthetic_run(run_dir: str, n: int) -> None:
    os.makedirs(run_dir)
    db = open_for_writing(os.path.join(run_dir, DB_NAME))
    rng = random.Random(1)
    t0 = time.time() - 3600
    tasks, events, attempts, deps = [], [], [], []
    for i in range(n):
        name, resource = NAMES[i % len(NAMES)], RESOURCES[i % 2]
        state = "failed" if i % 997 == 0 else "done" if i < n * 0.9 else rng.choice(("pending", "launched"))
        sub = t0 + i * 0.03
        start, end = sub + 1, sub + 1 + rng.random() * 5
        block = str(i % 20)
        tasks.append((i, name, "python", resource, state, 1, sub, sub + 0.5, start, end, block, str(1000 + i % 20),
                      "n1", None, None, "ValueError" if state == "failed" else None,
                      "bad input" if state == "failed" else None, None))
        events += [(i, 0, "pending", sub), (i, 0, "launched", sub + 0.5), (i, 0, "running", start), (i, 0, state, end)]
        attempts.append((i, 0, resource, state, sub + 0.5, start, end, "n1", 100, block, str(1000 + i % 20),
                         None, None, None, None))
        if i >= len(NAMES):
            deps.append((i, i - len(NAMES)))
    with db:
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO tasks VALUES ({', '.join('?' * 18)})", tasks)
        db.executemany("INSERT INTO task_events VALUES (?, ?, ?, ?)", events)
        db.executemany(f"INSERT INTO attempts VALUES ({', '.join('?' * 15)})", attempts)
        db.executemany("INSERT INTO dependencies VALUES (?, ?)", deps)
        db.executemany("INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(r, str(b), str(1000 + b), "running", "n1", t0, t0) for r in RESOURCES for b in range(20)])
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                       [("run_id", "synthetic"), ("started", str(t0)), ("state", "running"), ("host", "vm")])
    db.close()


def timed(cmd: list[str], repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the command."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    run_dir = os.path.join(tempfile.mkdtemp(prefix="chiltepin-bench-"), "runinfo", "000")
    synthetic_run(run_dir, args.tasks)
    chiltepin = os.path.join(os.path.dirname(sys.executable), "chiltepin")
    version = timed([chiltepin, "--version"], args.repeats)
    summary = timed([chiltepin, "status", run_dir], args.repeats)
    as_json = timed([chiltepin, "status", "--json", run_dir], args.repeats)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"chiltepin status on a run of {args.tasks} tasks, median of {args.repeats}; load average {load}")
    for label, (wall, cpu) in (("status", summary), ("status --json", as_json), ("--version alone", version)):
        print(f"{label:16} wall {wall:6.3f} s   cpu {cpu:6.3f} s")


if __name__ == "__main__":
    main()
