"""``chiltepin dag [RUN_DIR] -o FILE``: the task graph of a run as .svg, .png or .dot."""

from __future__ import annotations

import argparse

from ..plugins.records import Subcommand
from ..runs import dag
from ..runs.reader import Run, find_run


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", metavar="RUN_DIR", help="a run directory (default: the latest under "
                        "./runinfo)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE", help="the picture: .svg, .png or .dot")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--grouped", dest="grouped", action="store_true", default=None,
                       help="one node per task name (the default above 200 tasks)")
    shape.add_argument("--per-task", dest="grouped", action="store_false", help="one node per task")


def _run(args: argparse.Namespace) -> int:
    dag.check_format(args.output)
    with Run(find_run(args.run_dir)) as run:
        dag.write(dag.build(run, args.grouped), args.output)
    print(f"wrote {args.output}")
    return 0


COMMAND = Subcommand("dag", "Draw a run's task graph (.svg, .png or .dot), coloured by state", _configure, _run)
