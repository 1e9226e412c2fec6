"""The patterns' own cost per node, without Parsl: 1,000-node pipelines and graph chains whose
stages complete at once, so only chiltepin's bookkeeping (futures, callbacks, the graph's event
queue, condition calls) is timed. What benchmarks/patterns.py measures beyond this is Parsl's.
Run: .venv/bin/python benchmarks/pattern_machinery.py [--nodes 1000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import Future

import chiltepin.patterns as patterns


class Instant(patterns.Pattern):
    """A stage whose future is complete when returned."""

    name = "instant"

    def __call__(self, value, *, executor=None):
        future: Future = Future()
        future.set_result((value.result() if isinstance(value, Future) else value) + 1)
        return future


def chain(n: int, stage: Instant, condition) -> patterns.Graph:
    graph = patterns.Graph(f"chain-{n}")
    for i in range(n):
        graph.add_node(f"n{i}", stage)
    for i in range(n - 1):
        graph.add_edge(f"n{i}", f"n{i + 1}", condition=condition)
    return graph.start_with("n0").end_with(f"n{n - 1}").validate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    patterns._hold = lambda out: None  # no workflow here: nothing for Parsl to keep track of
    n, stage = args.nodes, Instant()
    plain, conditional = chain(n, stage, None), chain(n, stage, lambda r: True)
    variants = {"pipeline": lambda: patterns.pipeline(*[stage] * n, input=0),
                "Graph, plain edges": lambda: plain(0), "Graph, conditional edges": lambda: conditional(0)}
    print(f"{n}-node chains of instant stages, {args.repeats} repeats")
    print(f"{'variant':26} {'fastest us/node':>16} {'median us/node':>15}")
    for name, run in variants.items():
        seconds = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            assert run().result() == n
            seconds.append(time.perf_counter() - start)
        print(f"{name:26} {min(seconds) / n * 1e6:16.1f} {statistics.median(seconds) / n * 1e6:15.1f}")
    with open("/proc/loadavg") as f:
        print(f"load average: {f.read().strip()}")


if __name__ == "__main__":
    main()
