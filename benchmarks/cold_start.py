"""Cold start: a fresh process from `import chiltepin` to the first result on the default `local`
resource, against raw Parsl's default HighThroughputExecutor on loopback (Parsl's defaults, the
address pinned so that no outside address is probed). Prints medians of several runs.
Run: .venv/bin/python benchmarks/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

CHILTEPIN = """
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

RAW_PARSL = """
import time
t0 = time.perf_counter()
import parsl
from parsl.config import Config
from parsl.executors import HighThroughputExecutor
from parsl.providers import LocalProvider
@parsl.python_app
def one():
    return 1
config = Config(executors=[HighThroughputExecutor(address="127.0.0.1", provider=LocalProvider(init_blocks=1))],
                run_dir=RUN_DIR)
with parsl.load(config):
    one().result()
    print(time.perf_counter() - t0)
"""


def timed(source: str, run_dir: str) -> float:
    code = source.replace("RUN_DIR", repr(run_dir))
    # Raw Parsl finds interchange.py and process_worker_pool.py on PATH: activate the environment.
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    run_dir = tempfile.mkdtemp(prefix="chiltepin-cold-")
    results = {"chiltepin (local)": [], "raw parsl (HTEX defaults)": []}
    for _ in range(args.runs):
        results["chiltepin (local)"].append(timed(CHILTEPIN, run_dir))
        results["raw parsl (HTEX defaults)"].append(timed(RAW_PARSL, run_dir))
    print(f"import to first result, {args.runs} fresh processes each")
    for name, values in results.items():
        print(f"{name:28} median {statistics.median(values):5.2f} s  (min {min(values):.2f}, max {max(values):.2f})")


if __name__ == "__main__":
    main()
