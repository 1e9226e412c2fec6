"""Memory and time of holding finished task futures: chiltepin against raw Parsl, same executor.

Each variant runs in a fresh process on a local HTEX resource (2 workers, loopback): it warms up,
then submits N no-op tasks keeping every future in a list (the natural loop of a workflow),
waits for all of them and reports the growth of the process's resident memory per task (RSS
after minus RSS before, garbage collected, futures still held), the peak RSS and the wall
time. It does so for a small and a large N; time(large)/time(small) shows whether holding
futures slows the run down as it grows (10x the tasks should take about 10x the time).
Run: .venv/bin/python benchmarks/finished_futures.py [--small 10000] [--large 100000]
Last, the live heap each finished future holds (tracemalloc: the objects still reachable, without
the allocator's retention that RSS includes). Machine load distorts the times (not the memory):
the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = """
import gc, json, resource, sys, time, tracemalloc
N, VARIANT, RUN_DIR, TRACE = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "trace"

def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 1024

def noop(x):
    return x

config = {"local": {"max_workers_per_node": 2, "init_blocks": 1}}
if VARIANT in ("chiltepin", "dropped"):
    from chiltepin import Workflow
    from chiltepin.tasks import python_task
    task = python_task(noop)
    submit = lambda i: task(i, executor="local")
    context = Workflow(config, run_dir=RUN_DIR)
else:
    import parsl
    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor
    from parsl.providers import LocalProvider
    app = parsl.python_app(noop)
    submit = app
    context = parsl.load(Config(executors=[HighThroughputExecutor(
        label="local", address="127.0.0.1", max_workers_per_node=2, provider=LocalProvider(init_blocks=1))],
        run_dir=RUN_DIR, strategy_period=0.2))
with context:
    for f in [submit(i) for i in range(500)]:  # warm up workers, caches and Parsl's pools
        f.result()
    gc.collect()
    if TRACE:
        tracemalloc.start()
    before = rss_kib()
    start = time.perf_counter()
    futures = [submit(i) for i in range(N)]
    for f in futures:
        f.result()
    if VARIANT == "dropped":
        del futures, f
    elapsed = time.perf_counter() - start
    gc.collect()
    after = rss_kib()
    live = tracemalloc.get_traced_memory()[0] / 1024 / N if TRACE else None
    print(json.dumps({"kib_per_task": (after - before) / N, "peak_mib": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, "seconds": elapsed, "live_kib_per_task": live}))
"""


def run(variant: str, n: int, trace: bool = False) -> dict[str, float]:
    # Raw Parsl finds interchange.py and process_worker_pool.py on PATH: activate the environment.
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    with tempfile.TemporaryDirectory(prefix="chiltepin-futures-") as run_dir:
        command = [sys.executable, "-c", CHILD, str(n), variant, run_dir, "trace" if trace else "-"]
        out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"no-op tasks on local HTEX (2 workers), futures kept in a list; load average {load}")
    print(f"{'variant':10} {'tasks':>8} {'KiB/task':>9} {'peak MiB':>9} {'seconds':>8}   time ratio")
    for variant in ("chiltepin", "parsl"):
        small, large = run(variant, args.small), run(variant, args.large)
        for n, r in ((args.small, small), (args.large, large)):
            print(f"{variant:10} {n:8d} {r['kib_per_task']:9.2f} {r['peak_mib']:9.0f} {r['seconds']:8.1f}")
        print(f"{'':10} time({args.large})/time({args.small}) = {large['seconds'] / small['seconds']:.2f}")
    floor = run("dropped", args.small)
    print(f"floor: chiltepin with the futures dropped, {args.small} tasks: {floor['kib_per_task']:.2f} KiB/task "
          f"(memory "
          f"Parsl's pending task records leave behind; it shrinks when workers keep up with submission)")
    live = {variant: run(variant, args.small, trace=True)["live_kib_per_task"] for variant in ("chiltepin", "parsl")}
    print(f"live heap held per finished future (tracemalloc, {args.small} tasks, futures kept): "
          f"chiltepin {live['chiltepin']:.2f} KiB, raw parsl {live['parsl']:.2f} KiB")


if __name__ == "__main__":
    main()
