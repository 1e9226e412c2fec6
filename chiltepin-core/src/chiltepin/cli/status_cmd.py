"""``chiltepin status [RUN_DIR]``: what a run did or is doing, from its run database."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from ..plugins.records import Subcommand
from ..runs.reader import Run, find_run
from ..runs.schema import GROUPS, STATE_GROUPS


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


def _clock(t: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t)) if t else "-"


def summary_view(run: Run) -> Any:
    """The run line, tasks by resource, name and group, and the blocks."""
    from rich.console import Group
    from rich.table import Table, box
    from rich.text import Text

    info = run.info()
    counts = run.counts()
    totals = run.totals(counts)
    head = Text()
    head.append(f"Run {info['name']}", style="bold")
    head.append(f" ({info['state']})  {info['run_dir']}\n")
    head.append(f"started {_when(info['started'])}, {info['duration'] or 0:.1f} s, on {info['host']}\n")
    head.append(f"{sum(totals.values())} tasks: " + ", ".join(f"{totals[g]} {g}" for g in GROUPS))
    tasks = Table(title="Tasks", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("resource", "task", *GROUPS):
        tasks.add_column(column, justify="right" if column in GROUPS else "left")
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for c in counts:
        row = rows.setdefault((c["resource"] or "-", c["name"]), dict.fromkeys(GROUPS, 0))
        row[STATE_GROUPS.get(c["state"], "running")] += c["count"]
    for (resource, name), row in rows.items():
        tasks.add_row(resource, name, *(str(row[g]) for g in GROUPS))
    parts: list[Any] = [head, "", tasks]
    blocks = run.blocks()
    if blocks:
        table = Table(title="Blocks", title_justify="left", box=box.SIMPLE_HEAD, show_edge=False)
        for column in ("resource", "block", "job id", "state", "host", "since"):
            table.add_column(column)
        for b in blocks:
            table.add_row(b["resource"], b["block"], b["job_id"] or "-", b["state"], b["host"] or "-",
                          _when(b["updated"]))
        parts += ["", table]
    return Group(*parts)


def tasks_view(run: Run) -> Any:
    """One row per task: state, resource, job id, attempts, start and end, log paths."""
    from rich.table import Table, box

    table = Table(box=box.SIMPLE_HEAD, padding=(0, 0), show_edge=False)
    for column in ("id", "task", "state", "resource", "job id", "tries", "start", "end"):
        table.add_column(column, no_wrap=True, justify="right" if column in ("id", "tries") else "left")
    for column in ("stdout", "stderr"):
        table.add_column(column, overflow="fold")
    for t in run.tasks():
        table.add_row(str(t["id"]), t["name"], t["state"], t["resource"] or "-", t["job_id"] or "-",
                      str(t["attempts"]), _clock(t["started"]), _clock(t["ended"]), t["stdout"] or "-",
                      t["stderr"] or "-")
    return table


def failed_view(run: Run) -> Any:
    """Each failed task: its cause, each failed attempt, and the tail of its stderr."""
    from rich.text import Text

    failures = run.failures()
    text = Text()
    if not failures:
        text.append("no failed tasks")
        return text
    for f in failures:
        text.append(f"task {f['id']} {f['name']}", style="bold red")
        text.append(f" on {f['resource']}: {f['state']} after {f['attempts']} attempt(s)\n")
        text.append(f"  cause: {f['error_type']}: {f['error_message']}\n")
        for a in f["failed_attempts"]:
            where = ", ".join(x for x in (a["host"] and f"host {a['host']}", a["job_id"] and f"job {a['job_id']}",
                                          a["lost_block"] and f"lost block {a['lost_block']}") if x)
            code = f" (exit code {a['exit_code']})" if a["exit_code"] is not None else ""
            text.append(f"  attempt {a['attempt']}: {a['error_type']}{code}" + (f" [{where}]" if where else "") + "\n")
        if f["stderr_tail"]:
            text.append(f"  stderr ({f['stderr']}), last lines:\n")
            for line in f["stderr_tail"]:
                text.append(f"    {line}\n")
    text.rstrip()
    return text


def _view(run: Run, args: argparse.Namespace) -> Any:
    from rich.console import Group

    views = ([tasks_view(run)] if args.tasks else []) + ([failed_view(run)] if args.failed else [])
    return Group(*views) if views else summary_view(run)


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                        help="a run directory (runinfo/NNN) or a directory of runs (default: the latest under "
                             "./runinfo)")
    parser.add_argument("--tasks", action="store_true", help="one row per task")
    parser.add_argument("--failed", action="store_true", help="each failure with its cause and stderr tail")
    parser.add_argument("--json", action="store_true", help="print the status as JSON (for scripts)")
    parser.add_argument("--watch", action="store_true", help="refresh until the run ends (Ctrl-C to leave)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes with --watch")


def _run(args: argparse.Namespace) -> int:
    run_dir = find_run(args.run_dir)
    if args.json:
        with Run(run_dir) as run:
            print(json.dumps(run.status(tasks=args.tasks, failed=args.failed), indent=2))
        return 0
    from rich.console import Console

    console = Console()
    if not args.watch:
        with Run(run_dir) as run:
            console.print(_view(run, args))
        return 0
    from rich.live import Live

    with Live(console=console, auto_refresh=False) as live:
        while True:
            with Run(run_dir) as run:
                live.update(_view(run, args), refresh=True)
                if run.finished:
                    return 0
            time.sleep(args.interval)


COMMAND = Subcommand("status", "Show a run's tasks and blocks (during the run or after it)", _configure, _run)
