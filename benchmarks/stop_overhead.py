"""Cold start with and without the stopping machinery (signal handlers and the watcher process).

Fresh processes alternate: the workflow as shipped, and the same workflow with the watcher and
the signal handlers replaced by no-ops. Import to first result on ``local``; medians printed,
and the median of the paired differences with a bootstrap interval (does it exclude zero?).
Run: .venv/bin/python benchmarks/stop_overhead.py [--runs 21] [--user-env core|full | --python ENV/bin/python]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile

from cold_start import timed
from user_env import add_environment_options, interpreter

SHIPPED = """
import time
t0 = time.perf_counter()
from chiltepin import Workflow
from chiltepin.tasks import python_task
@python_task
def one():
    return 1
with Workflow(run_dir=RUN_DIR):
    one(executor="local").result()
    print(time.perf_counter() - t0)
"""

WITHOUT = SHIPPED.replace("from chiltepin import Workflow", """from chiltepin import Workflow
import chiltepin.workflow as _w
class _NoWatcher:
    token = "none"
    def track(self, executor): pass
    def stop(self): pass
_w.Watcher = _NoWatcher
_w.catch_signals = lambda: (lambda: None)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    add_environment_options(parser)
    args = parser.parse_args()
    python = interpreter(args)
    run_dir = tempfile.mkdtemp(prefix="chiltepin-stop-")
    results: dict[str, list[float]] = {"as shipped": [], "without watcher and handlers": []}
    for i in range(args.runs):
        pairs = [("as shipped", SHIPPED), ("without watcher and handlers", WITHOUT)]
        for name, source in pairs if i % 2 == 0 else reversed(pairs):
            results[name].append(timed(python, source, run_dir))
    print(f"import to first result, {args.runs} fresh processes each; load average "
          f"{open('/proc/loadavg').read().split()[0]}")
    for name, values in results.items():
        print(f"{name:30} median {statistics.median(values):5.2f} s  (min {min(values):.2f}, max {max(values):.2f})")
    shipped, without = (statistics.median(v) for v in results.values())
    print(f"difference of the medians (shipped - without): {shipped - without:+.3f} s")
    # Each pair ran back to back: the paired differences cancel slow drifts of the machine's load.
    paired = [a - b for a, b in zip(*results.values(), strict=True)]
    low, high = _median_interval(paired)
    print(f"median paired difference {statistics.median(paired):+.3f} s, 95% bootstrap interval "
          f"[{low:+.3f}, {high:+.3f}] s ({'includes' if low <= 0 <= high else 'excludes'} zero)")


def _median_interval(values: list[float], rounds: int = 5000) -> tuple[float, float]:
    """A 95% percentile-bootstrap interval of the median of ``values`` (fixed seed: reproducible)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(rounds))
    return medians[int(0.025 * rounds)], medians[int(0.975 * rounds) - 1]


if __name__ == "__main__":
    main()
