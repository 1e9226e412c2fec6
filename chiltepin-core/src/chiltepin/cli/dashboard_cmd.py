"""``chiltepin dashboard [RUN_DIR] [--port N]``: the runs in a browser, on 127.0.0.1 only."""

from __future__ import annotations

import argparse
import os

from ..plugins.records import Subcommand
from ..runs.reader import find_run


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                        help="a run (shown first) or a directory of runs (default: ./runinfo)")
    parser.add_argument("--port", type=int, default=8050, help="port on 127.0.0.1 (default 8050; 0: any free port)")


def _run(args: argparse.Namespace) -> int:
    from ..runs.dashboard import Dashboard

    run_dir = os.path.normpath(find_run(args.run_dir))
    selected = os.path.basename(run_dir) if args.run_dir and os.path.normpath(args.run_dir) == run_dir else None
    dashboard = Dashboard(os.path.dirname(run_dir) or ".", selected, args.port)
    print(f"chiltepin dashboard: {dashboard.url} (Ctrl-C to stop)", flush=True)
    dashboard.serve_forever()
    return 0


COMMAND = Subcommand("dashboard", "Serve a live web page of the runs on 127.0.0.1", _configure, _run)
