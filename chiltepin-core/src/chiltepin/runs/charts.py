"""Plotly figures of a run, shared by the report and the dashboard: a timeline of attempts per
resource and worker, and how many tasks ran at once per resource."""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from typing import Any

from .dag import COLOURS
from .extras import need
from .reader import Run

#: At most this many attempts are drawn on a timeline (the latest ones).
TIMELINE_LIMIT = 20000


def _local(t: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(t)


def attempts(run: Run, limit: int = TIMELINE_LIMIT) -> list[dict[str, Any]]:
    """Attempts that started, with their task name and where they ran (latest ``limit``)."""
    rows = run.db.execute(
        "SELECT a.task_id, a.attempt, t.name, a.resource, a.host, a.pid, a.state, a.started, a.ended, "
        "a.error_type FROM attempts a JOIN tasks t ON t.id = a.task_id WHERE a.started IS NOT NULL "
        "ORDER BY a.started DESC LIMIT ?", (limit,))
    return [dict(r) for r in rows][::-1]


def timeline(run: Run) -> Any:
    """Bars from start to end of each attempt, one row per resource/worker, coloured by state."""
    go = need("plotly.graph_objects", "the run timeline")
    now = run.times()[1] or time.time()
    by_state: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in attempts(run):
        by_state[a["state"] or "running"].append(a)
    fig = go.Figure()
    for state, rows in sorted(by_state.items()):
        fig.add_trace(go.Bar(
            name=state, orientation="h", marker_color=COLOURS.get(state, "#9e9e9e"),
            base=[_local(a["started"]) for a in rows],
            x=[max(((a["ended"] or now) - a["started"]) * 1000, 1) for a in rows],
            y=[f"{a['resource']} {a['host'] or ''}:{a['pid'] or ''}".rstrip(":") for a in rows],
            customdata=[[a["task_id"], a["name"], a["attempt"], a["error_type"] or ""] for a in rows],
            hovertemplate="task %{customdata[0]} %{customdata[1]} (attempt %{customdata[2]})<br>"
                          "%{base|%H:%M:%S.%L} + %{x:.0f} ms<br>%{customdata[3]}<extra></extra>"))
    fig.update_layout(barmode="overlay", title="Timeline: attempts per resource and worker",
                      xaxis={"type": "date", "title": "time"}, yaxis={"title": "resource host:pid", "type": "category"},
                      height=max(300, 60 + 24 * len({y for t in fig.data for y in t.y})), margin={"l": 160},
                      legend={"title": "state"}, template="plotly_white")
    return fig


def utilisation(run: Run) -> Any:
    """Tasks running at once per resource over time (a step line per resource)."""
    go = need("plotly.graph_objects", "the run utilisation chart")
    now = run.times()[1] or time.time()
    changes: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for a in attempts(run):
        changes[a["resource"]] += [(a["started"], 1), (a["ended"] or now, -1)]
    fig = go.Figure()
    for resource, points in sorted(changes.items()):
        points.sort()
        level, xs, ys = 0, [], []
        for t, delta in points:
            level += delta
            xs.append(_local(t))
            ys.append(level)
        fig.add_trace(go.Scatter(name=resource, x=xs, y=ys, mode="lines", line_shape="hv"))
    fig.update_layout(title="Utilisation: tasks running at once per resource", xaxis={"type": "date"},
                      yaxis={"title": "running tasks", "rangemode": "tozero"}, height=320, template="plotly_white")
    return fig
