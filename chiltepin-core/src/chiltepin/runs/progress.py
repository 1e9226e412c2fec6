"""Progress of a running workflow: a live rich display on a terminal, plain lines otherwise.

Both read :meth:`Recorder.snapshot` (per-resource task counts and the blocks). The live display
redirects the process's stdout and stderr while it runs, so what the user's own code prints
appears above it instead of tearing it; plain lines are single ``print`` calls, so they never
split another line.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from .schema import GROUPS

Snapshot = tuple[dict[str, dict[str, int]], list[tuple[str, str, str | None, str]]]


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _block_label(resource: str, block: str, job: str | None, state: str) -> str:
    return f"{resource}/{block}" + (f" job {job}" if job else "") + f" {state}"


def plain_line(snapshot: Snapshot, elapsed: float) -> str:
    """One line: elapsed time, per resource the counts of each group, then the blocks."""
    counts, blocks = snapshot
    parts = [f"chiltepin {_clock(elapsed)}"]
    for resource in sorted(counts):
        numbers = ", ".join(f"{counts[resource].get(g, 0)} {g}" for g in GROUPS)
        parts.append(f"{resource}: {numbers}")
    live = [_block_label(*b) for b in blocks if b[3] not in ("completed", "cancelled", "failed")]
    if live:
        parts.append("blocks: " + ", ".join(live))
    return " | ".join(parts)


def render(snapshot: Snapshot, elapsed: float) -> Any:
    """The live display: a bar and the counts per resource, then the blocks with their job ids."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    counts, blocks = snapshot
    table = Table(title=f"chiltepin  {_clock(elapsed)}", title_justify="left", expand=False, box=None,
                  padding=(0, 1))
    table.add_column("resource", style="bold")
    table.add_column("", width=24)
    for group, colour in zip(GROUPS, ("white", "cyan", "green", "red"), strict=True):
        table.add_column(group, justify="right", style=colour)
    for resource in sorted(counts):
        row = counts[resource]
        total = sum(row.values())
        finished = row.get("done", 0) + row.get("failed", 0)
        bar = ProgressBar(total=max(total, 1), completed=finished, width=24)
        table.add_row(resource, bar, *(str(row.get(g, 0)) for g in GROUPS))
    if not blocks:
        return table
    lines = Text("blocks: ", style="bold")
    lines.append(", ".join(_block_label(*b) for b in blocks))
    return Group(table, lines)


class _Display:
    """A thread that shows the snapshot until stopped (live or plain)."""

    def __init__(self, snapshot: Callable[[], Snapshot], started: float, interval: float, live: bool,
                 stream: TextIO | None = None):
        self.snapshot, self.started, self.interval, self.live = snapshot, started, interval, live
        self.stream = stream if stream is not None else sys.stderr
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chiltepin-progress", daemon=True)
        #: Set once the display is up (the live one redirects stdout and stderr from then on).
        self.showing = threading.Event()

    def start(self) -> _Display:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        if self.live:
            self._run_live()
            return
        self.showing.set()
        while not self._stop.wait(self.interval):
            print(plain_line(self.snapshot(), time.time() - self.started), file=self.stream, flush=True)
        print(plain_line(self.snapshot(), time.time() - self.started), file=self.stream, flush=True)

    def _run_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        console = Console(file=self.stream, force_terminal=True)
        with Live(render(self.snapshot(), 0), console=console, refresh_per_second=4, redirect_stdout=True,
                  redirect_stderr=True) as live:
            self.showing.set()
            while not self._stop.wait(0.25):
                live.update(render(self.snapshot(), time.time() - self.started))
            live.update(render(self.snapshot(), time.time() - self.started), refresh=True)


def start_progress(mode: str, snapshot: Callable[[], Snapshot], started: float, interval: float,
                   stream: TextIO | None = None) -> _Display | None:
    """Start the display for the ``progress`` option (auto, live, plain, off); None when off."""
    if mode == "off":
        return None
    stream = stream if stream is not None else sys.stderr
    live = mode == "live" or (mode == "auto" and stream.isatty())
    return _Display(snapshot, started, interval, live, stream).start()
