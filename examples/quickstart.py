"""A small real workflow on the built-in ``local`` resource.

Fan-out: python tasks compute the statistics of a few synthetic temperature series in parallel.
A bash task writes a report file from the results. A join task reduces the series to the
warmest one without blocking the workflow. Run with ``make demo`` (or python examples/quickstart.py).
"""

from __future__ import annotations

import os
import tempfile

from chiltepin import Workflow
from chiltepin.tasks import bash_task, join_task, python_task


@python_task
def series_stats(station: str, seed: int) -> dict:
    """Statistics of a synthetic daily temperature series (runs in a worker process)."""
    import math
    import os
    import random

    rng = random.Random(seed)
    temps = [15 + 10 * math.sin(day / 58.0) + rng.gauss(0, 2) for day in range(365)]
    return {"station": station, "mean": sum(temps) / len(temps), "max": max(temps), "pid": os.getpid()}


@bash_task
def write_report(path: str, lines: list, stdout=None) -> str:
    """Write the per-station lines into a report file and print its line count."""
    body = "\n".join(lines)
    return f"cat > {path} <<'REPORT'\n{body}\nREPORT\nwc -l < {path}"


@python_task
def warmest(*stats: dict) -> dict:
    return max(stats, key=lambda s: s["mean"])


@join_task
def reduce_to_warmest(stations: dict) -> object:
    """Launch one task per station and return the future of the reduction."""
    return warmest(*[series_stats(name, seed, executor=["local"]) for name, seed in stations.items()],
                   executor=["local"])


def main() -> None:
    stations = {"boulder": 1, "denver": 2, "fort-collins": 3, "golden": 4}
    workdir = tempfile.mkdtemp(prefix="chiltepin-demo-")
    with Workflow(run_dir=os.path.join(workdir, "runinfo")):
        futures = [series_stats(name, seed, executor=["local"]) for name, seed in stations.items()]
        stats = [f.result() for f in futures]
        for s in stats:
            print(f"python_task  series_stats({s['station']}): mean {s['mean']:.2f} C, "
                  f"max {s['max']:.2f} C (worker pid {s['pid']})")
        report = os.path.join(workdir, "report.txt")
        lines = [f"{s['station']} {s['mean']:.2f}" for s in stats]
        out = os.path.join(workdir, "report.out")
        code = write_report(report, lines, executor=["local"], stdout=out).result()
        with open(out) as f:
            count = f.read().strip()
        print(f"bash_task    write_report: exit {code}, {count} lines written to {report}")
        best = reduce_to_warmest(stations).result()
        print(f"join_task    reduce_to_warmest: {best['station']} ({best['mean']:.2f} C)")


if __name__ == "__main__":
    main()
