"""Throughput of chiltepin tasks with the run database recording them against without, same run.

One workflow (HTEX, 2 local workers, loopback), started with run_db and progress off; a
Recorder is attached to its DataFlowKernel for the "on" batches and detached for the "off" ones,
so both use the same executor and warm workers. Repeats alternate the order; the medians and
their ratio (target >= 0.95) are printed, with the load average, and the workflow process's CPU
time per task (what a loaded machine distorts least; the recorder's cost is CPU in this process).
Run: .venv/bin/python benchmarks/run_db_overhead.py [--tasks 2000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from chiltepin import Workflow
from chiltepin.runs.recorder import Recorder
from chiltepin.tasks import python_task


@python_task
def noop(x):
    return x


def run_batch(n: int) -> tuple[float, float]:
    """Tasks per second, and CPU microseconds per task of this (the workflow) process."""
    start, cpu = time.perf_counter(), time.process_time()
    futures = [noop(i, executor="htex") for i in range(n)]
    for f in futures:
        f.result()
    return n / (time.perf_counter() - start), (time.process_time() - cpu) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    config = {"workflow": {"run_db": False, "progress": "off"},
              "htex": {"provider": "localhost", "max_workers_per_node": 2, "init_blocks": 1}}
    with Workflow(config, run_dir=tempfile.mkdtemp(prefix="chiltepin-bench-")) as wf:
        run_batch(200)  # warm up workers and caches
        rates: dict[str, list[float]] = {"off": [], "on": []}
        cpus: dict[str, list[float]] = {"off": [], "on": []}
        for r in range(args.repeats):
            for mode in ("off", "on") if r % 2 == 0 else ("on", "off"):
                recorder = Recorder(wf.dfk, wf.resources).start() if mode == "on" else None
                rate, cpu = run_batch(args.tasks)
                rates[mode].append(rate)
                cpus[mode].append(cpu)
                if recorder is not None:
                    recorder.stop()
        with open("/proc/loadavg") as f:
            load = f.read().split()[:3]
        off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
        print(f"{args.tasks} no-op tasks on HTEX (2 workers), median of {args.repeats} alternating repeats; "
              f"load average {' '.join(load)}")
        print(f"run database off {off:8.0f} t/s   on {on:8.0f} t/s   ratio {on / off:.3f}")
        cpu_off, cpu_on = statistics.median(cpus["off"]), statistics.median(cpus["on"])
        print(f"workflow-process CPU per task: off {cpu_off:6.0f} us   on {cpu_on:6.0f} us   "
              f"throughput bound by it: ratio {cpu_off / cpu_on:.3f}")


if __name__ == "__main__":
    main()
