"""Suite-wide rules: under CI=true a skipped test fails (a green run means the real tests ran),
and no test leaves a workflow running."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Hypothesis' deadline and too-slow health check are timing assertions: on a loaded 2-core machine
# they fail tests whose rules hold. The rules are what the properties check, not the speed.
settings.register_profile("chiltepin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("chiltepin")

pytest_plugins = ["chiltepin.testing.fixtures"]

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every component must be present: {reason}"


@pytest.fixture(autouse=True)
def _no_workflow_left_running():
    """A test may use a workflow started by a fixture, but must not leave one of its own running."""
    from chiltepin.workflow import active_workflow

    before = active_workflow()
    yield
    workflow = active_workflow()
    if workflow is not None and workflow is not before:
        workflow.cleanup()
        pytest.fail("the test left a workflow running")


#: Every process this test session starts carries this, so leftovers are told from other sessions'.
SESSION = os.environ.setdefault("CHILTEPIN_TEST_SESSION", __import__("uuid").uuid4().hex)


@pytest.fixture(scope="module", autouse=True)
def _no_process_of_a_run_left_behind():
    """At the end of each test module, no process of any workflow run of this session (helpers,
    pools, workers, standbys, forkservers, watchers, processes of its Slurm jobs) may be alive."""
    yield
    import time

    from stopping import session_run_processes

    keep = os.environ.get("CHILTEPIN_RUN")  # a workflow still running in this process is not a leftover
    deadline = time.monotonic() + 15
    while (left := session_run_processes(SESSION, keep)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if left:
        described = [f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in left]
        for proc in left:
            proc.kill()
        pytest.fail("processes of a workflow run were left behind (killed now):\n" + "\n".join(described))


@pytest.fixture(scope="session")
def redis_address(tmp_path_factory):
    """HOST:PORT of a redis-server on 127.0.0.1 started for the session (agents' networked exchange)."""
    try:
        from chiltepin_agents.testing import redis_server
    except ImportError as exc:
        pytest.skip(f"chiltepin-agents is not installed: {exc}")
    try:
        with redis_server(tmp_path_factory.mktemp("redis")) as address:
            yield address
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def make_dist(tmp_path, monkeypatch):
    """Write a distribution (dist-info with entry points + modules) into a directory on sys.path."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    created: list[str] = []

    def make(name: str, entry_points: dict[str, str], modules: dict[str, str], version: str = "0.1.0") -> Path:
        info = root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = ["[chiltepin]"] + [f"{k} = {v}" for k, v in entry_points.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for module, source in modules.items():
            (root / f"{module}.py").write_text(textwrap.dedent(source))
            created.append(module)
        return info

    yield make
    for module in created:
        sys.modules.pop(module, None)


@pytest.fixture
def fresh_manager():
    """Build a plugin manager that loads the entry points present right now."""

    def build(**kwargs):
        from chiltepin.plugins import PluginManager

        manager = PluginManager(**kwargs)
        manager.load_entrypoints()
        return manager

    return build
