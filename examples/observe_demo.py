"""A workflow to watch: a small forecast-like pipeline on two local resources.

Per member, fetch -> regrid -> forecast (on the ``compute`` resource, two workers), then a
verify step, a bash plot per member, and a join task that collects the scores. One member's
forecast fails on its first attempt and is retried; one member's regrid always fails, so its
forecast and verify are dependency failures. Run it and, from another terminal, try
``chiltepin status``, ``chiltepin dashboard`` and, afterwards, ``chiltepin report``:

    python examples/observe_demo.py [--members 8] [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import os

from chiltepin import Workflow
from chiltepin.tasks import bash_task, join_task, python_task


@python_task
def fetch(member: int, seconds: float) -> list:
    import random
    import time

    time.sleep(seconds * random.Random(member).uniform(0.5, 1.5))
    return [random.Random(member * 7 + i).gauss(15, 3) for i in range(100)]


@python_task
def regrid(member: int, field: list, seconds: float) -> list:
    import time

    time.sleep(seconds)
    if member == 5:
        raise ValueError(f"member {member}: grid file has no latitude axis")
    return [round(x, 1) for x in field[::2]]


@python_task
def forecast(member: int, field: list, marker_dir: str, seconds: float) -> float:
    import os
    import time

    time.sleep(seconds * 2)
    marker = os.path.join(marker_dir, f"forecast-{member}.tried")
    if member == 2 and not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("node lost its scratch file system (fails once, then the retry works)")
    return sum(field) / len(field)


@python_task
def verify(member: int, value: float) -> float:
    return abs(value - 15.0)


@bash_task
def plot(member: int, score: float, stdout=None, stderr=None) -> str:
    return f"echo 'member {member}: score {score:.3f}'; sleep 0.5"


@join_task
def collect(scores: list) -> list:
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1.0, help="how long the steps take")
    parser.add_argument("--run-dir", default="runinfo")
    args = parser.parse_args()
    config = {"workflow": {"retries": 1},
              "compute": {"provider": "localhost", "executor": "htex", "max_workers_per_node": 2, "init_blocks": 1}}
    logs = os.path.abspath(os.path.join(args.run_dir, "demo-logs"))
    os.makedirs(logs, exist_ok=True)
    with Workflow(config, run_dir=args.run_dir):
        scores = []
        for m in range(args.members):
            field = regrid(m, fetch(m, args.seconds, executor="local"), args.seconds, executor="compute")
            score = verify(m, forecast(m, field, logs, args.seconds, executor="compute"), executor="local")
            plot(m, score, stdout=os.path.join(logs, f"plot-{m}.out"), stderr=os.path.join(logs, f"plot-{m}.err"),
                 executor="compute")
            scores.append(score)
        done = collect(scores)
        try:
            print("scores:", [round(s, 3) for s in done.result()])
        except Exception as exc:
            print(f"some members failed: {type(exc).__name__}")


if __name__ == "__main__":
    main()
