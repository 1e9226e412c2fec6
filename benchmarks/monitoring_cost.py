"""What ``monitoring: true`` (Parsl's resource monitoring) costs in task throughput.

Two workflows in one process, the same HTEX resource (2 local workers, loopback): monitoring
off, then on (resource samples every 30 s, Parsl's default), alternating for --rounds; each
times --tasks no-op tasks after a warm-up and prints the medians, the ratio and the load average.
Run: .venv/bin/python benchmarks/monitoring_cost.py [--tasks 2000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from chiltepin import Workflow
from chiltepin.tasks import python_task


@python_task
def noop(x):
    return x


def rate(monitoring: bool, n: int) -> float:
    config = {"workflow": {"monitoring": monitoring, "progress": "off"},
              "htex": {"provider": "localhost", "max_workers_per_node": 2, "init_blocks": 1}}
    with Workflow(config, run_dir=tempfile.mkdtemp(prefix="chiltepin-bench-")):
        [f.result() for f in [noop(i, executor="htex") for i in range(200)]]  # warm up
        start = time.perf_counter()
        for f in [noop(i, executor="htex") for i in range(n)]:
            f.result()
        return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates: dict[bool, list[float]] = {False: [], True: []}
    for r in range(args.rounds):
        for monitoring in (False, True) if r % 2 == 0 else (True, False):
            rates[monitoring].append(rate(monitoring, args.tasks))
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print(f"{args.tasks} no-op tasks on HTEX (2 workers), median of {args.rounds} rounds; load average {load}")
    print(f"monitoring off {off:8.0f} t/s   on {on:8.0f} t/s   ratio {on / off:.3f}")


if __name__ == "__main__":
    main()
