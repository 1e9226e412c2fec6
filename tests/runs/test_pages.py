"""chiltepin dag, report and dashboard on a recorded run; the report and the dashboard are
loaded in a real headless Chromium (Debian's, driven by Playwright), which must make no request
beyond 127.0.0.1 (or the report's own file)."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import time

import pytest
from chiltepin.cli import main
from chiltepin.runs.dashboard import Dashboard

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed "
                               "(scripts/install-system-deps.sh installs it)")


@pytest.fixture
def browser(tmp_path):
    """A fresh headless Chromium with an empty profile; every request it makes is recorded."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is in the dev extra")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (scripts/install-system-deps.sh installs it)")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                       args=CHROMIUM_ARGS, headless=True,
                                                       viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(180_000)  # generous: the test machine may be heavily loaded
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        try:
            yield context, requests
        finally:
            context.close()


@needs_dot
def test_dag_writes_svg_png_and_dot(recorded_run, tmp_path, capsys):
    for name in ("dag.svg", "dag.png", "dag.dot", "grouped.dot"):
        extra = ["--grouped"] if name.startswith("grouped") else []
        assert main(["dag", str(recorded_run), "-o", str(tmp_path / name), *extra]) == 0
    assert (tmp_path / "dag.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "dag.svg").read_text()
    assert svg.count('class="node"') == 8 and svg.count('class="edge"') == 3
    dot = (tmp_path / "dag.dot").read_text()
    assert "t5 -> t6" in dot and 'fillcolor="#c62828"' in dot and 'fillcolor="#ef6c00"' in dot
    grouped = (tmp_path / "grouped.dot").read_text()
    assert "add ×4" in grouped and "n_boom -> n_add" in grouped


def test_unknown_output_extensions_are_one_line(recorded_run, tmp_path, capsys):
    assert main(["dag", str(recorded_run), "-o", str(tmp_path / "dag.pdf")]) == 1
    assert main(["report", str(recorded_run), "-o", str(tmp_path / "report.txt")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"chiltepin: error: {tmp_path / 'dag.pdf'}: unknown output format '.pdf'; use .svg, .png, .dot",
                   f"chiltepin: error: {tmp_path / 'report.txt'}: unknown output format '.txt'; the report is .html"]
    assert not (tmp_path / "dag.pdf").exists()


def test_report_is_one_self_contained_file(recorded_run, tmp_path, browser, capsys):
    context, requests = browser
    out = tmp_path / "report.html"
    assert main(["report", str(recorded_run), "-o", str(out)]) == 0
    page = context.new_page()
    page.goto(out.as_uri())
    page.wait_for_selector("#timeline .main-svg")
    assert page.locator("#tasks tbody tr").count() == 8
    assert page.locator("#utilisation .main-svg").count() >= 1
    assert "ValueError: no good" in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert requests and all(url == out.as_uri() or url.startswith(("data:", "blob:")) for url in requests), requests


def test_dashboard_shows_and_refreshes_a_run(recorded_run, tmp_path, browser):
    context, requests = browser
    db = sqlite3.connect(recorded_run / "chiltepin.db")
    db.execute("UPDATE meta SET value = 'running' WHERE key = 'state'")
    db.execute("UPDATE meta SET value = ? WHERE key = 'pid'", (str(os.getpid()),))  # a live "workflow"
    db.execute("UPDATE meta SET value = ? WHERE key = 'host'", (socket.gethostname(),))
    db.commit()
    dashboard = Dashboard(str(recorded_run.parent), None, 0)
    dashboard.start()
    try:
        page = context.new_page()
        page.goto(dashboard.url)
        page.wait_for_selector("body[data-loaded=yes]")
        rows = page.locator("#tasks tbody tr")
        assert rows.count() == 8
        assert page.locator("#timeline .main-svg").count() >= 1
        assert page.locator("#dag svg .node").count() == 8
        assert page.locator("#runs li").count() == 1
        page.fill("#filter", "boom")
        assert page.locator("#tasks tbody tr:not([hidden])").count() == 1
        page.fill("#filter", "")
        page.select_option("#state", "failed")
        assert page.locator("#tasks tbody tr:not([hidden])").count() == 2
        page.select_option("#state", "")
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        # The run goes on: a new task appears in the table at the next refresh.
        db.execute("INSERT INTO tasks (id, name, kind, resource, state, submitted) "
                   "VALUES (8, 'late', 'python', 'compute', 'pending', ?)", (time.time(),))
        db.commit()
        page.wait_for_function("document.querySelectorAll('#tasks tbody tr').length === 9")
    finally:
        dashboard.stop()
        db.close()
    origin = dashboard.url.rstrip("/")
    assert requests and all(url.startswith(origin) or url.startswith(("data:", "blob:")) for url in requests), requests


def test_dashboard_port_in_use_is_one_line(recorded_run, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", str(recorded_run), "--port", str(port)]) == 1
    assert capsys.readouterr().err == (f"chiltepin: error: port {port} on 127.0.0.1 is in use; pick another with "
                                       f"--port (0: any free port)\n")


def test_dashboard_binds_loopback_only(recorded_run):
    dashboard = Dashboard(str(recorded_run.parent), None, 0)
    try:
        assert dashboard.server.server_address[0] == "127.0.0.1"
    finally:
        dashboard.server.server_close()
