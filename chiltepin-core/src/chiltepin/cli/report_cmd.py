"""``chiltepin report [RUN_DIR] -o report.html``: one self-contained HTML file about a run."""

from __future__ import annotations

import argparse
import os

from ..errors import ChiltepinError
from ..plugins.records import Subcommand
from ..runs import report
from ..runs.reader import Run, find_run


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", metavar="RUN_DIR", help="a run directory (default: the latest under "
                        "./runinfo)")
    parser.add_argument("-o", "--output", default="report.html", metavar="FILE",
                        help="the HTML file to write (default report.html)")


def _run(args: argparse.Namespace) -> int:
    ext = os.path.splitext(args.output)[1].lower()
    if ext not in (".html", ".htm"):
        raise ChiltepinError(f"{args.output}: unknown output format '{ext or '(none)'}'; the report is .html")
    with Run(find_run(args.run_dir)) as run:
        page = report.build(run)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(page)
    print(f"wrote {args.output}")
    return 0


COMMAND = Subcommand("report", "Write a self-contained HTML report of a run", _configure, _run)
