"""The interchange standby: started before Parsl, used by HTEX, never left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from chiltepin import ConfigError, Workflow
from chiltepin.tasks import python_task


def chiltepin_processes(kind: str) -> list[int]:
    """PIDs of live `python -m chiltepin._interchange <kind>` children of this test process (a serve
    that became the interchange is renamed by Parsl to "parsl: HTEX interchange")."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat") as f:
                state, parent = f.read().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        mine = int(parent) == os.getpid()
        ours = b"chiltepin._interchange" in argv and kind.encode() in argv
        renamed = kind == "serve" and argv[0].startswith(b"parsl: HTEX interchange")
        if mine and (ours or renamed) and state != "Z":
            found.append(int(pid))
    return found


def wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@python_task
def pid():
    import os
    return os.getpid()


def test_htex_interchange_comes_from_the_standby_and_is_stopped_with_the_workflow(tmp_path):
    config = {"local": {"max_workers_per_node": 1}, "second": {"max_workers_per_node": 1}}
    with Workflow(config, run_dir=str(tmp_path)) as wf:
        for label in ("local", "second"):
            command = wf.executors[label].interchange_launch_cmd
            assert command[1:4] == ["-m", "chiltepin._interchange", "feed"]
        assert pid(executor="second").result() != os.getpid()
        feeds, serves = chiltepin_processes("feed"), chiltepin_processes("serve")
        assert len(feeds) == 2 and len(serves) == 2
    assert wait_until(lambda: not chiltepin_processes("feed") and not chiltepin_processes("serve"))


def test_a_failed_start_leaves_no_standby(tmp_path, monkeypatch):
    import chiltepin.workflow as workflow_module

    def fail(resource, manager):
        raise ConfigError(f"{resource.name}: refused for the test")

    monkeypatch.setattr(workflow_module, "build_executor", fail)
    with pytest.raises(ConfigError, match="refused for the test"):
        Workflow({"local": {}}, run_dir=str(tmp_path)).start()
    assert wait_until(lambda: not chiltepin_processes("serve"))


SLEEPER = """
import sys, time
if __name__ == "__main__":
    sys.stdout.write(sys.stdin.read())
    sys.stdout.flush()
    time.sleep(600)
"""


@pytest.fixture
def fed_sleeper(tmp_path, monkeypatch):
    """A serve/feed pair around a stand-in for the interchange that echoes its stdin and sleeps."""
    (tmp_path / "sleeper_for_test.py").write_text(SLEEPER)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    sock = str(tmp_path / "s.sock")
    out = tmp_path / "serve.out"
    with open(out, "w") as stdout:
        serve = subprocess.Popen([sys.executable, "-m", "chiltepin._interchange", "serve", sock, str(os.getpid()),
                                  "sleeper_for_test"], stdout=stdout)
    feed = subprocess.Popen([sys.executable, "-m", "chiltepin._interchange", "feed", sock], stdin=subprocess.PIPE)
    feed.stdin.write(b"configuration bytes")
    feed.stdin.close()
    assert wait_until(lambda: out.read_text() == "configuration bytes")
    yield serve, feed
    for process in (serve, feed):
        process.kill()
        process.wait()


def test_the_fed_module_runs_with_the_configuration_on_stdin(fed_sleeper):
    serve, feed = fed_sleeper
    assert serve.poll() is None and feed.poll() is None


def test_terminating_the_feed_terminates_the_interchange(fed_sleeper):
    serve, feed = fed_sleeper
    feed.terminate()
    assert serve.wait(timeout=15) == -signal.SIGTERM
    assert feed.wait(timeout=15) == 0


def test_interchange_stops_when_its_feed_dies(fed_sleeper):
    serve, feed = fed_sleeper
    feed.kill()
    assert serve.wait(timeout=15) == -signal.SIGTERM


def test_standby_exits_when_the_workflow_process_is_gone(tmp_path):
    socket = str(tmp_path / "s.sock")
    not_my_parent = 1
    process = subprocess.Popen([sys.executable, "-m", "chiltepin._interchange", "serve", socket,
                                str(not_my_parent)])
    assert process.wait(timeout=30) == 0
