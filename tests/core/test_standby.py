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


def children(*markers: str) -> list[int]:
    """Live child processes of this test process whose command line contains one of ``markers``
    (standbys are children of the workflow process; Parsl renames them once they run)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                state, parent = f.read().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(parent) == os.getpid() and state != "Z" and any(m in command for m in markers):
            found.append(int(pid))
    return found


STANDBYS = ("chiltepin._prestart serve", "parsl: HTEX interchange", "process_worker_pool")


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


def test_interchange_and_first_pool_come_from_standbys_and_stop_with_the_workflow(tmp_path):
    config = {"local": {"max_workers_per_node": 1, "init_blocks": 1},
              "second": {"max_workers_per_node": 1, "environment": ["export MARK=second"], "init_blocks": 1}}
    with Workflow(config, run_dir=str(tmp_path)) as wf:
        for label in ("local", "second"):
            assert wf.executors[label].interchange_launch_cmd[1:4] == ["-m", "chiltepin._prestart", "feed"]
        assert "-m chiltepin.worker_pool --standby " in wf.executors["local"].launch_cmd
        # A pool standby cannot replay environment lines: that block starts its own pool.
        assert "--standby" not in wf.executors["second"].launch_cmd
        assert pid(executor="local").result() != os.getpid()
        assert pid(executor="second").result() != os.getpid()
        assert len(children("parsl: HTEX interchange")) == 2
        assert len(children("chiltepin._prestart serve pool", "process_worker_pool")) == 1
    assert wait_until(lambda: not children(*STANDBYS))
    assert (tmp_path / "standby-pools" / "local.log").exists()


def test_a_failed_start_leaves_no_standby(tmp_path, monkeypatch):
    import chiltepin.workflow as workflow_module

    def fail(resource, manager):
        raise ConfigError(f"{resource.name}: refused for the test")

    monkeypatch.setattr(workflow_module, "build_executor", fail)
    with pytest.raises(ConfigError, match="refused for the test"):
        Workflow({"local": {}}, run_dir=str(tmp_path)).start()
    assert wait_until(lambda: not children(*STANDBYS))


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
        serve = subprocess.Popen([sys.executable, "-m", "chiltepin._prestart", "serve", "interchange", sock,
                                  str(os.getpid()), "sleeper_for_test"], stdout=stdout, start_new_session=True)
    feed = subprocess.Popen([sys.executable, "-m", "chiltepin._prestart", "feed", sock], stdin=subprocess.PIPE)
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
    process = subprocess.Popen([sys.executable, "-m", "chiltepin._prestart", "serve", "interchange", socket,
                                str(not_my_parent)])
    assert process.wait(timeout=30) == 0
