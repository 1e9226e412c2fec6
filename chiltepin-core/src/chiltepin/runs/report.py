"""One self-contained HTML report of a run: summary, timeline, utilisation, failures and the DAG.

Everything is inline (plotly.js, the figures' data, the DAG's SVG), so the file opens anywhere
without a network."""

from __future__ import annotations

import html
import time
from typing import Any

from . import charts, dag
from .extras import MissingLibrary, need
from .reader import Run
from .schema import GROUPS, STATE_GROUPS

STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em; color: #212121; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { padding: 0.25em 0.8em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f5f5f5; } td.n { text-align: right; }
pre { background: #fafafa; border: 1px solid #eee; padding: 0.5em; overflow-x: auto; }
.failed { color: #c62828; } .done { color: #2e7d32; } .muted { color: #757575; }
.dag svg { max-width: 100%; height: auto; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


def _table(headers: list[str], rows: list[list[Any]], numeric: frozenset[int] = frozenset()) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td class='n'>{_e(v)}</td>" if i in numeric else f"<td>{_e(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def summary_html(run: Run) -> str:
    info = run.info()
    counts = run.counts()
    totals = run.totals(counts)
    per_name: dict[tuple[str, str], dict[str, int]] = {}
    for c in counts:
        row = per_name.setdefault((c["resource"] or "-", c["name"]), dict.fromkeys(GROUPS, 0))
        row[STATE_GROUPS.get(c["state"], "running")] += c["count"]
    lines = [f"<p>{_e(info['state'])} · started {_e(_when(info['started']))} · {info['duration'] or 0:.1f} s · "
             f"host {_e(info['host'])} · {_e(info['run_dir'])}</p>",
             f"<p><b>{sum(totals.values())} tasks</b>: " + ", ".join(f"{totals[g]} {g}" for g in GROUPS) + "</p>",
             _table(["resource", "task", *GROUPS], [[r, n, *(v[g] for g in GROUPS)] for (r, n), v in per_name.items()],
                    numeric=frozenset(range(2, 6)))]
    blocks = run.blocks()
    if blocks:
        lines.append("<h3>Blocks</h3>" + _table(["resource", "block", "job id", "state", "host", "since"],
                                                [[b["resource"], b["block"], b["job_id"] or "-", b["state"],
                                                  b["host"] or "-", _when(b["updated"])] for b in blocks]))
    return "\n".join(lines)


def failures_html(run: Run) -> str:
    failures = run.failures()
    if not failures:
        return "<p class='muted'>No task failed.</p>"
    parts = []
    for f in failures:
        attempts = "".join(f"<li>attempt {a['attempt']}: {_e(a['error_type'])}"
                           + (f" (exit code {a['exit_code']})" if a["exit_code"] is not None else "")
                           + (f" on {_e(a['host'])}" if a["host"] else "")
                           + (f", job {_e(a['job_id'])}" if a["job_id"] else "") + "</li>"
                           for a in f["failed_attempts"])
        tail = ("<pre>" + _e("\n".join(f["stderr_tail"])) + "</pre>") if f["stderr_tail"] else ""
        parts.append(f"<div class='failure'><p class='failed'><b>task {f['id']} {_e(f['name'])}</b> on "
                     f"{_e(f['resource'])}: {_e(f['state'])} — {_e(f['error_type'])}: {_e(f['error_message'])}</p>"
                     f"<ul>{attempts}</ul>{tail}</div>")
    return "\n".join(parts)


def tasks_html(run: Run, limit: int = 5000) -> str:
    """Every task (the first ``limit``) with its state, where and when it ran, and its logs."""
    rows = [[t["id"], t["name"], t["state"], t["resource"], t["job_id"] or "-", t["attempts"], _when(t["started"]),
             _when(t["ended"]), t["host"] or "-", t["stdout"] or "", t["stderr"] or ""]
            for t in run.tasks(limit=limit)]
    table = _table(["id", "task", "state", "resource", "job id", "tries", "start", "end", "host", "stdout", "stderr"],
                   rows, numeric=frozenset({0, 5})).replace("<table>", "<table id='tasks'>", 1)
    total = run.db.execute("SELECT count(*) FROM tasks").fetchone()[0]
    more = f"<p class='muted'>The first {limit} of {total} tasks.</p>" if total > limit else ""
    return f"<details{' open' if total <= 200 else ''}><summary>{total} tasks</summary>{table}{more}</details>"


def dag_html(run: Run) -> str:
    try:
        return f"<div class='dag'>{dag.svg(dag.build(run))}</div>"
    except MissingLibrary as exc:
        return f"<p class='muted'>{_e(exc)}</p>"


def build(run: Run) -> str:
    """The report page as one HTML string."""
    plotly_offline = need("plotly.offline", "chiltepin report")
    figures = "\n".join(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div,
                                    config={"displaylogo": False, "responsive": True})
                        for div, fig in (("timeline", charts.timeline(run)), ("utilisation", charts.utilisation(run))))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>chiltepin run {_e(run.name)}</title>
<style>{STYLE}</style>
<script type="text/javascript">{plotly_offline.get_plotlyjs()}</script></head>
<body>
<h1>Run {_e(run.name)}</h1>
<h2>Summary</h2>
{summary_html(run)}
<h2>Timeline</h2>
{figures}
<h2>Tasks</h2>
{tasks_html(run)}
<h2>Failures</h2>
{failures_html(run)}
<h2>Task graph</h2>
{dag_html(run)}
<p class="muted">Made by chiltepin report at {_e(_when(time.time()))}.</p>
</body></html>
"""
