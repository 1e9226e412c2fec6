"""Environments installed as users install chiltepin (built wheels, not editable), for start-up benchmarks.

A development venv holds editable installs, coverage hooks and the test tools, which slow every
interpreter of a run; what users meet is a plain ``pip install``. ``--user-env core`` measures
``pip install chiltepin-core``, ``--user-env full`` every first-party plugin and globus-compute-sdk.
Each is a venv under ``~/.cache/chiltepin-bench/``, its chiltepin packages rebuilt from this
source tree on every run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"core": ["chiltepin-core"],
            "full": ["chiltepin-core", "chiltepin-slurm", "chiltepin-mpi", "chiltepin-globus", "chiltepin-agents"]}


def user_env(kind: str) -> str:
    """The interpreter of a fresh-install environment of ``kind``, with this tree's packages in it."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "chiltepin-bench" / kind
    python = cache / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(cache)], check=True)
    paths = [str(ROOT / name) for name in PACKAGES[kind]]
    # This tree's packages rebuilt (same version, so --force-reinstall), then whatever they need.
    for options in (["--force-reinstall", "--no-deps"], []):
        done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *options, *paths],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"installing {kind} environment failed:\n{done.stderr}")
    return str(python)


def add_environment_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--python", help="interpreter of an environment to measure (default: this one)")
    group.add_argument("--user-env", choices=sorted(PACKAGES),
                       help="measure a fresh non-editable install: core only, or every first-party plugin")


def interpreter(args: argparse.Namespace) -> str:
    return user_env(args.user_env) if args.user_env else (args.python or sys.executable)
