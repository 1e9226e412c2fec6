"""Cost of the patterns against plain task calls, same HTEX resource, same run.

Throughput: N no-op items through ``task.map`` and through ``PoolExecutor.map``, against N plain
calls of the same task (all submitted, then all awaited). Chains: a 1,000-stage ``pipeline`` and
1,000-node ``Graph`` chains (plain edges, and edges with a condition, which run in the workflow
process between nodes) against 1,000 task calls chained by hand; the difference per node is the
overhead, on a thread pool (where task latency is small) and on HTEX. Repeats alternate the
order; throughput uses medians, chains the fastest repeat (least disturbed by other load).
Run: .venv/bin/python benchmarks/patterns.py [--items 10000] [--nodes 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from chiltepin import Graph, Workflow, pipeline
from chiltepin.concurrent import PoolExecutor
from chiltepin.tasks import python_task

LABEL = "htex"


def noop(x):
    return x


def increment(x):
    return x + 1


noop_task = python_task(noop)
increment_task = python_task(increment)


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def compare(variants: dict[str, Callable[[], object]], repeats: int,
            summary: Callable[[list[float]], float] = statistics.median) -> dict[str, float]:
    """Seconds of each variant (``summary`` of the repeats), repeats alternating the order."""
    for run in variants.values():
        run()  # warm up workers and caches
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(repeats):
        for name in (list(variants) if r % 2 == 0 else list(reversed(variants))):
            seconds[name].append(timed(variants[name]))
    return {name: summary(values) for name, values in seconds.items()}


def throughput(n: int, repeats: int) -> None:
    pool = PoolExecutor(executor=LABEL)

    def plain():
        for f in [noop_task(i, executor=[LABEL]) for i in range(n)]:
            f.result()

    medians = compare({
        "plain task calls": plain,
        "task.map": lambda: noop_task.map(range(n), executor=[LABEL]).result(),
        "PoolExecutor.map": lambda: list(pool.map(noop, range(n))),
    }, repeats)
    pool.shutdown()
    base = n / medians["plain task calls"]
    print(f"\n{n} no-op items on HTEX (2 workers), median of {repeats}")
    print(f"{'variant':22} {'tasks/s':>10} {'ratio':>7}")
    for name, secs in medians.items():
        print(f"{name:22} {n / secs:10.0f} {n / secs / base:7.3f}")


def chain_graph(n: int, condition: Callable[[object], bool] | None) -> Graph:
    graph = Graph(f"chain-{n}")
    for i in range(n):
        graph.add_node(f"n{i}", increment_task)
    for i in range(n - 1):
        graph.add_edge(f"n{i}", f"n{i + 1}", condition=condition)
    return graph.start_with("n0").end_with(f"n{n - 1}").validate()


def chains(n: int, repeats: int, label: str, title: str) -> None:
    def by_hand():
        f = 0
        for _ in range(n):
            f = increment_task(f, executor=[label])
        assert f.result() == n

    stages = [increment_task] * n
    plain_graph = chain_graph(n, None)
    conditional_graph = chain_graph(n, lambda r: True)
    medians = compare({
        "chained by hand": by_hand,
        "pipeline": lambda: pipeline(*stages, input=0, executor=[label]).result(),
        "Graph, plain edges": lambda: plain_graph(0, executor=[label]).result(),
        "Graph, conditional edges": lambda: conditional_graph(0, executor=[label]).result(),
    }, repeats, min)
    base = medians["chained by hand"]
    print(f"\n{n}-node chains on {title}, fastest of {repeats}")
    print(f"{'variant':26} {'seconds':>8} {'overhead ms/node':>17}")
    for name, secs in medians.items():
        print(f"{name:26} {secs:8.2f} {(secs - base) * 1000 / n:17.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    config = {LABEL: {"provider": "localhost", "max_workers_per_node": 2, "init_blocks": 1},
              "threads": {"executor": "threads", "max_threads": 2}}
    with Workflow(config, progress="off", run_dir=tempfile.mkdtemp(prefix="chiltepin-bench-")):
        if args.items:
            throughput(args.items, args.repeats)
        chains(args.nodes, args.repeats, "threads", "a 2-thread pool (small task latency: overhead shows)")
        chains(args.nodes, args.repeats, LABEL, "HTEX (2 workers)")
    with open("/proc/loadavg") as f:
        print(f"\nload average: {f.read().strip()}")


if __name__ == "__main__":
    main()
