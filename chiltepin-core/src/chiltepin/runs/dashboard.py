"""``chiltepin dashboard``: a web page about the runs under a directory, served on 127.0.0.1 only.

The page (plotly.js and dashboard.js inline, no outside request) polls a small JSON API: the list of runs, and
per run its status, its tasks, the timeline and utilisation figures and the DAG as SVG. It
refreshes every two seconds while the selected run goes on.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlparse

from ..errors import ChiltepinError
from . import charts, dag
from .extras import MissingLibrary, need
from .reader import Run, list_runs
from .report import STYLE

HOST = "127.0.0.1"
#: At most this many tasks (the latest) go to the page's table.
TABLE_LIMIT = 20000
TASK_FIELDS = ("id", "name", "state", "resource", "job_id", "attempts", "started", "ended", "host", "error_type",
               "error_message", "stdout", "stderr")
SECURITY = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; connect-src 'self'")


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>chiltepin dashboard</title>
<style>{style}
#layout {{ display: grid; grid-template-columns: 12em minmax(0, 1fr); gap: 2em; }}
#runs {{ list-style: none; padding: 0; }} #runs a.current {{ font-weight: bold; }}
#tasks {{ font-size: 0.9em; }} .running, .launched {{ color: #1565c0; }} .dep_fail {{ color: #ef6c00; }}
#error {{ color: #c62828; }}
</style>
<script>{plotly}</script></head>
<body>
<h1>chiltepin dashboard</h1><p id="error"></p>
<div id="layout">
<nav><h2>Runs</h2><ul id="runs"></ul></nav>
<main>
<section id="summary"></section>
<h2>Timeline</h2><div id="timeline"></div><div id="utilisation"></div>
<h2>Tasks</h2>
<p><input id="filter" placeholder="filter (name, resource, host, error...)" size="40">
<select id="state"><option value="">any state</option>{options}</select> <span id="shown" class="muted"></span></p>
<table id="tasks"><thead><tr><th>id</th><th>task</th><th>state</th><th>resource</th><th>job id</th><th>tries</th>
<th>start</th><th>end</th><th>host</th><th>error</th><th>stdout</th><th>stderr</th></tr></thead><tbody></tbody></table>
<h2>Task graph</h2><div id="dag" class="dag"></div>
</main></div>
<script>const SELECTED = {selected};
{app}</script>
</body></html>
"""


class Dashboard:
    """The runs under ``root``, served on 127.0.0.1:``port`` (0: any free port)."""

    def __init__(self, root: str, selected: str | None = None, port: int = 8050):
        self.root = root
        offline = need("plotly.offline", "chiltepin dashboard")
        from .schema import STATE_GROUPS

        options = "".join(f'<option value="{s}">{s}</option>' for s in STATE_GROUPS)
        self.page = PAGE.format(style=STYLE, plotly=offline.get_plotlyjs(), options=options,
                                selected=json.dumps(selected), app=resources.files(__package__).joinpath(
                                    "dashboard.js").read_text()).encode()
        try:
            self.server = ThreadingHTTPServer((HOST, port), _handler(self))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ChiltepinError(f"port {port} on {HOST} is in use; pick another with --port (0: any free "
                                     f"port)") from None
            raise ChiltepinError(f"cannot serve on {HOST}:{port}: {exc.strerror}") from None
        self.server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_address[1]}/"

    def serve_forever(self) -> None:
        try:
            self.server.serve_forever(poll_interval=0.2)
        finally:
            self.server.server_close()

    def start(self) -> threading.Thread:
        """Serve from a thread (for tests and embedding); stop with :meth:`stop`."""
        thread = threading.Thread(target=self.serve_forever, name="chiltepin-dashboard", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.server.shutdown()

    # -- the API ------------------------------------------------------------------------------

    def _run_dir(self, name: str) -> str:
        path = os.path.join(self.root, name)
        if path not in list_runs(self.root):
            raise KeyError(name)
        return path

    def runs(self) -> list[dict[str, Any]]:
        out = []
        for path in list_runs(self.root):
            try:
                with Run(path) as run:
                    info = run.info()
                    out.append({"name": run.name, "state": info["state"], "started": info["started"],
                                "tasks": sum(run.totals().values())})
            except ChiltepinError:
                continue
        return out

    def run(self, name: str) -> dict[str, Any]:
        with Run(self._run_dir(name)) as run:
            status = run.status()
            tasks = run.tasks(f"WHERE id > (SELECT coalesce(max(id), 0) FROM tasks) - {TABLE_LIMIT}")
            key = run.db.execute("SELECT count(*), group_concat(state) FROM (SELECT DISTINCT name, state "
                                 "FROM tasks)").fetchone()
            return {"status": status, "tasks": [{k: t[k] for k in TASK_FIELDS} for t in tasks],
                    "timeline": json.loads(charts.timeline(run).to_json()),
                    "utilisation": json.loads(charts.utilisation(run).to_json()),
                    "dag_key": f"{status['totals']}{key[0]}{key[1]}{len(run.dependencies())}"}

    def dag_svg(self, name: str) -> str:
        with Run(self._run_dir(name)) as run:
            return dag.svg(dag.build(run))


def _handler(dashboard: Dashboard) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "chiltepin-dashboard"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", SECURITY)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            parts = [unquote(p) for p in urlparse(self.path).path.strip("/").split("/") if p]
            try:
                if not parts:
                    self._send(HTTPStatus.OK, dashboard.page, "text/html; charset=utf-8")
                elif parts == ["api", "runs"]:
                    self._json(dashboard.runs())
                elif len(parts) == 3 and parts[:2] == ["api", "runs"]:
                    self._json(dashboard.run(parts[2]))
                elif len(parts) == 4 and parts[:2] == ["api", "runs"] and parts[3] == "dag.svg":
                    self._send(HTTPStatus.OK, dashboard.dag_svg(parts[2]).encode(), "image/svg+xml")
                else:
                    self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
            except KeyError:
                self._send(HTTPStatus.NOT_FOUND, b"no such run", "text/plain")
            except MissingLibrary as exc:
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, str(exc).encode(), "text/plain; charset=utf-8")
            except ChiltepinError as exc:
                self._send(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc).encode(), "text/plain; charset=utf-8")

        def _json(self, data: Any) -> None:
            self._send(HTTPStatus.OK, json.dumps(data).encode(), "application/json")

    return Handler
