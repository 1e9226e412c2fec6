"""Throughput of a chiltepin python_task against a raw Parsl python_app, same executor, same run.

All are defined once; each submits N no-op tasks to the same executor of one running workflow
and waits for all of them. Besides the plain task, a task with ``retries=2, timeout=600`` is
measured (its time limit runs on the worker; its retry policy only when a task fails). Repeats
rotate the order; the medians and their ratios to raw Parsl are printed.
Run: .venv/bin/python benchmarks/wrapper_overhead.py [--tasks 2000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from chiltepin import Workflow
from chiltepin.tasks import python_task
from parsl import python_app


def noop(x):
    return x


raw_noop = python_app(noop, executors="all")
chiltepin_noop = python_task(noop)
limited_noop = python_task(retries=2, timeout=600)(noop)


def run_batch(submit, n: int) -> float:
    start = time.perf_counter()
    futures = [submit(i) for i in range(n)]
    for f in futures:
        f.result()
    return n / (time.perf_counter() - start)


def measure(label: str, n: int, repeats: int) -> dict[str, float]:
    raw = python_app(noop, executors=[label])
    variants = {
        "parsl": lambda i: raw(i),
        "chiltepin": lambda i: chiltepin_noop(i, executor=[label]),
        "limits": lambda i: limited_noop(i, executor=[label]),
    }
    for submit in variants.values():
        run_batch(submit, min(n, 200))  # warm up workers and caches
    rates: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            rates[name].append(run_batch(variants[name], n))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    config = {
        "threads": {"executor": "threads", "max_threads": 2},
        "htex": {"provider": "localhost", "max_workers_per_node": 2, "init_blocks": 1},
    }
    with Workflow(config, progress="off", run_dir=tempfile.mkdtemp(prefix="chiltepin-bench-")):
        print(f"{args.tasks} no-op tasks, median of {args.repeats} rotating repeats; "
              f"load average {open('/proc/loadavg').read().split()[0]}")
        print(f"{'executor':28} {'raw parsl':>12} {'chiltepin':>12} {'ratio':>7} {'retries+timeout':>16} {'ratio':>7}")
        for label, title in (("threads", "ThreadPool, 2 threads"), ("htex", "HTEX, 2 workers, loopback")):
            rate = measure(label, args.tasks, args.repeats)
            print(f"{title:28} {rate['parsl']:9.0f} t/s {rate['chiltepin']:9.0f} t/s "
                  f"{rate['chiltepin'] / rate['parsl']:7.3f} {rate['limits']:12.0f} t/s "
                  f"{rate['limits'] / rate['parsl']:7.3f}")


if __name__ == "__main__":
    main()
