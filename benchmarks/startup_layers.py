"""What each start-up layer buys: cold start (fresh process, `import chiltepin` to the first
result on `local`) with every layer on, and with one layer off at a time.

Layers: strategy_period 0.2 s (off: Parsl's default 5 s), interchange standby, pool standby, and
the forkserver pool starter (off: Parsl's pool spawns its helpers; the pool standby needs the
forkserver, so it is off too). Turned off with CHILTEPIN_STARTUP_OFF (see chiltepin._startup).
Prints the median of several fresh processes per variant, its difference from "all on", the
`import parsl` floor measured in the same run, and the load average.
Run: .venv/bin/python benchmarks/startup_layers.py [--runs 7] [--user-env core|full | --python ENV/bin/python]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from cold_start import CHILTEPIN, IMPORT_PARSL, describe, load_average, timed
from user_env import add_environment_options, interpreter

VARIANTS: dict[str, tuple[dict[str, str], dict[str, object]]] = {
    "all layers on": ({"CHILTEPIN_STARTUP_OFF": ""}, {}),
    "strategy_period 5 s": ({"CHILTEPIN_STARTUP_OFF": ""}, {"strategy_period": 5.0}),
    "no interchange standby": ({"CHILTEPIN_STARTUP_OFF": "interchange-standby"}, {}),
    "no pool standby": ({"CHILTEPIN_STARTUP_OFF": "pool-standby"}, {}),
    "no forkserver (nor pool standby)": ({"CHILTEPIN_STARTUP_OFF": "forkserver"}, {}),
    "initial blocks at the strategy's pass": ({"CHILTEPIN_STARTUP_OFF": "initial-blocks"}, {}),
    "all layers off": ({"CHILTEPIN_STARTUP_OFF": "interchange-standby,pool-standby,forkserver,initial-blocks"},
                       {"strategy_period": 5.0}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    add_environment_options(parser)
    args = parser.parse_args()
    args.python = interpreter(args)
    run_dir = tempfile.mkdtemp(prefix="chiltepin-layers-")
    print(f"environment: {args.python}; installed: {describe(args.python)}")
    print(f"load average before: {load_average()}")
    results: dict[str, list[float]] = {name: [] for name in ("import parsl (floor)", *VARIANTS)}
    for _ in range(args.runs):  # interleaved, so that load changes hit every variant alike
        results["import parsl (floor)"].append(timed(args.python, IMPORT_PARSL, run_dir))
        for name, (env, options) in VARIANTS.items():
            results[name].append(timed(args.python, CHILTEPIN, run_dir, env=env, options=options))
    base = statistics.median(results["all layers on"])
    print(f"cold start, {args.runs} fresh processes each; load average after: {load_average()}")
    print(f"{'variant':34} {'median':>8} {'min':>6} {'vs all on':>10}")
    for name, values in results.items():
        median = statistics.median(values)
        delta = "" if name == "import parsl (floor)" else f"{median - base:+9.2f}s"
        print(f"{name:34} {median:7.2f}s {min(values):5.2f}s {delta:>10}")


if __name__ == "__main__":
    main()
