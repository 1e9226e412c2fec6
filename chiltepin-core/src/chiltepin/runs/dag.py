"""The task graph of a run as a Graphviz picture: one node per task, or per task name for large
runs, coloured by final state."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Any

from ..errors import ChiltepinError
from .extras import MissingLibrary, need
from .reader import Run

#: Fill colours by recorded state.
COLOURS = {"done": "#2e7d32", "cached": "#66bb6a", "failed": "#c62828", "dep_fail": "#ef6c00",
           "launched": "#1565c0", "running": "#1565c0", "joining": "#1565c0", "pending": "#9e9e9e",
           "retrying": "#8e24aa"}
#: Which state colours a group of tasks: the first present in this order.
SEVERITY = ("failed", "dep_fail", "retrying", "running", "launched", "joining", "pending", "cached", "done")
#: Runs with more tasks than this are drawn one node per task name.
GROUP_ABOVE = 200
FORMATS = (".svg", ".png", ".dot")


def build(run: Run, grouped: bool | None = None) -> Any:
    """A ``graphviz.Digraph`` of the run (grouped by name when ``grouped``, or when large)."""
    graphviz = need("graphviz", "chiltepin dag")
    tasks = {t["id"]: (t["name"], t["state"]) for t in run.db.execute("SELECT id, name, state FROM tasks")}
    edges = run.dependencies()
    if grouped is None:
        grouped = len(tasks) > GROUP_ABOVE
    graph = graphviz.Digraph(name=f"run {run.name}", graph_attr={"rankdir": "LR", "bgcolor": "white"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fontcolor": "white",
                                        "fontname": "Helvetica", "color": "#424242"},
                             edge_attr={"color": "#616161"})
    if not grouped:
        for tid, (name, state) in sorted(tasks.items()):
            graph.node(f"t{tid}", f"{name}\n#{tid} {state}", fillcolor=COLOURS.get(state, "#9e9e9e"))
        for tid, dep in edges:
            if tid in tasks and dep in tasks:
                graph.edge(f"t{dep}", f"t{tid}")
        return graph
    states: dict[str, Counter[str]] = defaultdict(Counter)
    for name, state in tasks.values():
        states[name][state] += 1
    for name, counts in sorted(states.items()):
        worst = next(s for s in SEVERITY + tuple(counts) if counts.get(s))
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        graph.node(f"n_{name}", f"{name} ×{sum(counts.values())}\n{summary}", fillcolor=COLOURS.get(worst, "#9e9e9e"))
    pairs = Counter((tasks[dep][0], tasks[tid][0]) for tid, dep in edges if tid in tasks and dep in tasks)
    for (source, target), n in sorted(pairs.items()):
        graph.edge(f"n_{source}", f"n_{target}", label=str(n) if n > 1 else "")
    return graph


def svg(graph: Any) -> str:
    """The picture as SVG text (needs Graphviz's ``dot``)."""
    return _pipe(graph, "svg").decode()


def _pipe(graph: Any, fmt: str) -> bytes:
    graphviz = need("graphviz", "chiltepin dag")
    try:
        return graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise MissingLibrary("drawing the DAG needs Graphviz's dot program; install Graphviz "
                             "(Debian: apt-get install graphviz)") from None


def check_format(path: str) -> str:
    """The output format of ``path`` from its extension, or a clear error."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ChiltepinError(f"{path}: unknown output format '{ext or '(none)'}'; use {', '.join(FORMATS)}")
    return ext


def write(graph: Any, path: str) -> None:
    """Write the picture to ``path`` (.svg, .png or .dot)."""
    ext = check_format(path)
    data = graph.source.encode() if ext == ".dot" else _pipe(graph, ext[1:])
    with open(path, "wb") as handle:
        handle.write(data)
