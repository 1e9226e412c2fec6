"""Start-up: standbys started before Parsl, used by HTEX, never left behind; feeds report the real
exit status; launch commands rewritten after an executor is built."""

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


STANDBYS = ("chiltepin._startup.handoff serve", "parsl: HTEX interchange", "process_worker_pool")


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
            assert wf.executors[label].interchange_launch_cmd[1:4] == ["-m", "chiltepin._startup.handoff", "feed"]
        assert "-m chiltepin._startup.pool --standby " in wf.executors["local"].launch_cmd
        # A pool standby cannot replay environment lines: that block starts its own pool.
        assert "--standby" not in wf.executors["second"].launch_cmd
        assert pid(executor="local").result() != os.getpid()
        assert pid(executor="second").result() != os.getpid()
        assert len(children("parsl: HTEX interchange")) == 2
        assert len(children("chiltepin._startup.handoff serve pool", "process_worker_pool")) == 1
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
        serve = subprocess.Popen([sys.executable, "-m", "chiltepin._startup.handoff", "serve", "interchange", sock,
                                  str(os.getpid()), "sleeper_for_test"], stdout=stdout, start_new_session=True)
    feed = subprocess.Popen([sys.executable, "-m", "chiltepin._startup.handoff", "feed", sock], stdin=subprocess.PIPE)
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
    assert feed.wait(timeout=15) == -signal.SIGTERM  # it ends as the process it fed did


def test_interchange_stops_when_its_feed_dies(fed_sleeper):
    serve, feed = fed_sleeper
    feed.kill()
    assert serve.wait(timeout=15) == -signal.SIGTERM


def test_standby_exits_when_the_workflow_process_is_gone(tmp_path):
    socket = str(tmp_path / "s.sock")
    not_my_parent = 1
    process = subprocess.Popen([sys.executable, "-m", "chiltepin._startup.handoff", "serve", "interchange", socket,
                                str(not_my_parent)])
    assert process.wait(timeout=30) == 0


CRASHER = """
import sys
if __name__ == "__main__":
    if sys.argv[1:] == ["raise"]:
        raise ZeroDivisionError("the pool crashed")
    sys.exit(int(sys.argv[1]))
"""


@pytest.fixture
def crasher(tmp_path, monkeypatch):
    """A stand-in for a worker pool that crashes (raises) or exits with the status it is given."""
    (tmp_path / "crasher_for_test.py").write_text(CRASHER)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return tmp_path


@pytest.mark.parametrize("argument, status", [("raise", 1), ("7", 7), ("0", 0)])
def test_a_fed_pool_standby_reports_the_exit_status_of_the_pool(crasher, argument, status):
    sock = str(crasher / "pool.sock")
    serve = subprocess.Popen([sys.executable, "-m", "chiltepin._startup.handoff", "serve", "pool", sock,
                              str(os.getpid()), "crasher_for_test"], start_new_session=True)
    try:
        assert wait_until(lambda: os.path.exists(sock), timeout=60)
        block = subprocess.run([sys.executable, "-m", "chiltepin._startup.pool", "--standby", sock, argument],
                               capture_output=True, text=True, timeout=120)
        assert block.returncode == status, block.stderr
        assert ("ZeroDivisionError: the pool crashed" in block.stderr) == (argument == "raise")
        assert serve.wait(timeout=30) == status
    finally:
        serve.kill()
        serve.wait()


def test_a_pool_started_without_standby_exits_with_its_status(crasher):
    block = subprocess.run([sys.executable, "-m", "chiltepin._startup.pool", "--module", "crasher_for_test", "5"],
                           capture_output=True, text=True, timeout=120)
    assert block.returncode == 5, block.stderr


def _resource(provider, backend="htex", **options):
    """A resolved resource on ``provider``, running locally as that installed provider says."""
    from chiltepin.plugins import get_plugin_manager
    from chiltepin.plugins.records import ResolvedResource

    local = provider is not None and get_plugin_manager().lookup("resource_providers", provider).runs_locally
    return ResolvedResource(name="r", backend=backend, provider=provider, launcher=None, options=options,
                            runs_locally=local)


@pytest.fixture
def startup(tmp_path):
    from chiltepin._startup.standby import Startup

    startup = Startup(str(tmp_path), layers_off="")
    yield startup
    startup.close(everything=True)


def test_local_pool_commands_start_through_the_fast_starter_with_this_interpreter(startup):
    from chiltepin._startup.parsl_glue import INTERCHANGE_MODULE
    from parsl.executors import HighThroughputExecutor
    from parsl.executors.high_throughput.executor import DEFAULT_LAUNCH_CMD

    plain = startup.apply(HighThroughputExecutor(label="r"), _resource("localhost"))
    arguments = DEFAULT_LAUNCH_CMD.split(" ", 1)[1]
    assert plain.launch_cmd == f"{sys.executable} -m chiltepin._startup.pool {arguments}"
    # no standby prepared: the interchange runs outside the workflow's session
    assert plain.interchange_launch_cmd == [sys.executable, "-m", "chiltepin._startup.handoff", "detached",
                                            INTERCHANGE_MODULE]
    wrapped = startup.apply(HighThroughputExecutor(label="r", launch_cmd="python3 -m site_pool -c {cores}"),
                            _resource("localhost"))
    assert wrapped.launch_cmd == f"{sys.executable} -m chiltepin._startup.pool --module site_pool -c {{cores}}"


def test_commands_a_backend_chose_and_remote_pools_are_left_alone(startup):
    from parsl.executors import HighThroughputExecutor, ThreadPoolExecutor
    from parsl.executors.high_throughput.executor import DEFAULT_LAUNCH_CMD

    remote = startup.apply(HighThroughputExecutor(label="r"), _resource("slurm"))
    assert remote.launch_cmd == DEFAULT_LAUNCH_CMD
    own = startup.apply(HighThroughputExecutor(label="r", launch_cmd="srun my_pool {debug}",
                                               interchange_launch_cmd=["my-interchange"]), _resource("localhost"))
    assert (own.launch_cmd, own.interchange_launch_cmd) == ("srun my_pool {debug}", ["my-interchange"])
    threads = ThreadPoolExecutor(label="r")
    assert startup.apply(threads, _resource(None, backend="threads")) is threads


def test_layers_can_be_turned_off(tmp_path, monkeypatch):
    from chiltepin._startup.parsl_glue import POOL_MODULE
    from chiltepin._startup.standby import LAYERS_OFF, Startup
    from parsl.executors import HighThroughputExecutor

    monkeypatch.setenv(LAYERS_OFF, "forkserver, interchange-standby")
    startup = Startup(str(tmp_path))
    assert startup.layers == {"pool-standby", "initial-blocks"}
    executor = startup.apply(HighThroughputExecutor(label="r"), _resource("localhost"))
    assert executor.launch_cmd.startswith(f"{sys.executable} -m {POOL_MODULE} ")


@python_task
def answer():
    return 42


def test_initial_blocks_launch_when_the_executor_starts_and_only_once(tmp_path):
    """With a 30 s strategy period the first pass over the executor comes 30 s after the start:
    the task's result within 25 s shows its block launched at the executor's start. A strategy
    pass run by hand afterwards launches no second block."""
    config = {"r": {"provider": "localhost", "init_blocks": 1, "max_blocks": 2, "max_workers_per_node": 1}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo"), strategy_period=30, progress="off") as wf:
        assert answer(executor="r").result(timeout=25) == 42
        wf.dfk.job_status_poller.poll()
        assert len(wf.executors["r"].blocks_to_job_id) == 1
