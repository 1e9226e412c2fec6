"""Globus Compute end to end: chiltepin workflow -> real Parsl GlobusComputeExecutor -> real
globus_compute_sdk Executor and Client -> loopback stand-in of the Compute web service
(globus_compute_service.py) -> a real endpoint engine (ProcessPoolEngine) -> results over a
real RabbitMQ on 127.0.0.1 -> the SDK's own result watcher."""

from __future__ import annotations

import pytest

pytest.importorskip("chiltepin_globus", reason="chiltepin-globus is not installed (pip install -e ./chiltepin-globus)")

import json
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import CancelledError

from chiltepin import Workflow
from chiltepin.errors import ConfigError
from chiltepin.tasks import bash_task, python_task
from chiltepin_globus.auth import GlobusAuthError
from chiltepin_globus.compute import ComputeError
from globus_compute_service import KNOWN_ENDPOINT
from parsl.app.errors import BashExitFailure

UNKNOWN_ENDPOINT = "00000000-1111-4222-8333-444444444444"

pytestmark = pytest.mark.globus


@python_task
def square(x):
    return x * x


@python_task
def where_am_i():
    import os

    return os.getpid()


@python_task
def declares_spec(x, parsl_resource_specification=None):
    return x + 1


@python_task
def fails(message):
    raise KeyError(message)


@bash_task
def shell(code):
    return f"exit {code}"


def _config(tmp_path, **options):
    resource = {"endpoint": KNOWN_ENDPOINT, "provider": "slurm", "partition": "debug", "account": "proj",
                "walltime": "00:20:00", "cores_per_node": 8, "environment": ["module load python", "export A=1"],
                "max_workers_per_node": 3, "cores_per_worker": 2, **options}
    return {"remote": resource}


@pytest.fixture
def compute(compute_service, stored_tokens, monkeypatch):
    """The Compute stand-in, with this test's submissions only."""
    monkeypatch.setenv("GLOBUS_SDK_ENVIRONMENT", "local")
    compute_service.submissions.clear()
    compute_service.requests.clear()
    return compute_service


def _configs(service):
    return [s.get("user_endpoint_config") for s in service.submissions]


def test_tasks_run_on_the_endpoint_with_the_resource_options(compute, tmp_path):
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")) as workflow:
        futures = [square(i, executor="remote") for i in range(6)]
        pid = where_am_i(executor="remote")
        assert [f.result(timeout=60) for f in futures] == [i * i for i in range(6)]
        assert pid.result(timeout=60) != os.getpid()
        assert type(workflow.executors["remote"]).__name__ == "ChiltepinComputeExecutor"
    expected = {"provider": "slurm", "mpi": False, "max_mpi_apps": 1, "nodes_per_block": 1, "init_blocks": 0,
                "min_blocks": 0, "max_blocks": 1, "worker_init": "module load python\nexport A=1",
                "exclusive": True, "partition": "debug", "account": "proj", "walltime": "00:20:00",
                "cores_per_node": 8, "max_workers_per_node": 3, "cores_per_worker": 2.0}
    assert compute.submissions, "nothing reached the Compute service"
    assert all(s["endpoint"] == KNOWN_ENDPOINT for s in compute.submissions)
    assert all(c == expected for c in _configs(compute))
    assert sum(len(ids) for s in compute.submissions for ids in s["tasks"].values()) == 7
    # the SDK authenticated with the token `chiltepin login` stored
    assert {auth for _, _, auth in compute.requests} == {"Bearer AT-stored-funcx_service"}


def test_per_task_options_merge_over_the_resource_and_apps_need_not_declare_the_spec(compute, tmp_path):
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")):
        plain = square(3, executor="remote")
        override = square(4, executor="remote", parsl_resource_specification={
            "user_endpoint_config": {"walltime": "01:00:00", "partition": "long"}})
        geometry = square(5, executor="remote", chiltepin_task_geometry={"walltime": "02:00:00"})
        declared = declares_spec(1, executor="remote",
                                 parsl_resource_specification={"user_endpoint_config": {"account": "other"}})
        assert (plain.result(60), override.result(60), geometry.result(60), declared.result(60)) == (9, 16, 25, 2)
    configs = _configs(compute)
    walltimes = sorted(c["walltime"] for c in configs)
    assert "01:00:00" in walltimes and "02:00:00" in walltimes and "00:20:00" in walltimes
    long = next(c for c in configs if c["walltime"] == "01:00:00")
    # everything else of the resource is kept: merged, not replaced
    assert long["partition"] == "long" and long["account"] == "proj" and long["cores_per_node"] == 8
    assert any(c["account"] == "other" and c["partition"] == "debug" for c in configs)


def test_tasks_submitted_from_many_threads_each_carry_their_own_options(compute, tmp_path):
    """Four threads submit at once, each with its own walltime; every task must reach the
    endpoint with its own thread's options. (Four distinct configurations: the SDK sends one
    batch per configuration and throttles itself beyond four requests per 16 s.)"""
    compute.tasks.clear()
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")):
        barrier = threading.Barrier(4)
        futures = {}

        def submit(i: int) -> None:
            barrier.wait()
            for j in range(5):
                n = 10 * i + j
                futures[n] = square(n, executor="remote", parsl_resource_specification={
                    "user_endpoint_config": {"walltime": f"0{i}:00:00"}})

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(1, 5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {n: f.result(60) for n, f in futures.items()} == {n: n * n for n in futures}
    assert len(compute.tasks) == 20
    for args, config in compute.tasks:
        assert config["walltime"] == f"0{args[0] // 10}:00:00"
        assert config["partition"] == "debug"


def test_concurrent_submits_do_not_see_each_others_options(compute, tmp_path):
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")) as workflow:
        executor = workflow.executors["remote"]
        seen: dict[str, str | None] = {}
        barrier = threading.Barrier(8)
        sdk = executor.executor

        def submit(i: int) -> None:
            barrier.wait()
            walltime = f"0{i}:00:00"
            spec, config = executor.split_specification({"user_endpoint_config": {"walltime": walltime}})
            with sdk.task_options(spec, config):
                time.sleep(0.01)
                seen[walltime] = sdk.user_endpoint_config["walltime"]

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == {w: w for w in seen} and len(seen) == 8
        assert sdk.user_endpoint_config["walltime"] == "00:20:00"  # the shared default is untouched


def test_remote_exceptions_keep_their_type(compute, tmp_path):
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo"), retries=0):
        failing = fails("boom", executor="remote")
        bad_shell = shell(3, executor="remote")
        with pytest.raises(KeyError, match="boom"):
            failing.result(60)
        with pytest.raises(BashExitFailure):
            bad_shell.result(60)


def test_unknown_endpoint_fails_the_task_naming_it(compute, tmp_path):
    config = {"remote": {"endpoint": UNKNOWN_ENDPOINT}}
    with Workflow(config, include=["remote"], run_dir=str(tmp_path / "runinfo"), retries=0):
        future = square(2, executor="remote")
        with pytest.raises(ComputeError) as failure:
            future.result(60)
    assert str(failure.value).startswith(f"remote: Globus Compute endpoint {UNKNOWN_ENDPOINT}: the Compute service "
                                         f"refused the task (404 ENDPOINT_NOT_FOUND")


def test_a_lost_result_broker_fails_tasks_naming_resource_and_endpoint(compute, tmp_path):
    """The SDK's result watcher retries the broker five times (random 0.5-10 s pauses), then gives up."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    compute.advertised_amqp_url = f"amqp://guest:guest@127.0.0.1:{dead}/%2F"
    try:
        with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo"), retries=0):
            future = square(2, executor="remote")
            with pytest.raises(ComputeError) as failure:
                future.result(120)
    finally:
        compute.advertised_amqp_url = compute.amqp_url
    assert str(failure.value).startswith(f"remote: Globus Compute endpoint {KNOWN_ENDPOINT}: the task's result "
                                         f"could not be obtained")
    assert compute.submissions  # the task itself was accepted


def test_shutdown_after_no_task_opens_no_result_stream(compute, tmp_path):
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")):
        pass
    assert not [r for r in compute.requests if "amqp" in r[1]]


@python_task
def nap(seconds):
    import time

    time.sleep(seconds)
    return seconds


def test_leaving_the_workflow_with_a_task_still_running_does_not_wait_for_it(compute, tmp_path):
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")):
        quick = square(7, executor="remote")
        slow = nap(30, executor="remote")
        assert quick.result(60) == 49
    # the 30 s task was left behind (pytest-timeout would stop a hang): its future is cancelled
    assert slow.done() and isinstance(slow.exception(), CancelledError)


LOCAL_THEN_REMOTE = """
import json, sys
sys.path.insert(0, TESTS)
from conftest import _local_environment
_local_environment(URL)
from chiltepin import Workflow
from chiltepin.tasks import python_task

@python_task
def cube(x):
    return x ** 3

with Workflow(run_dir=RUN_DIR + "/local", progress="off"):
    first = cube(2, executor="local").result(60)
masked = "globus_compute_sdk" in sys.modules
with Workflow(CONFIG, include=["remote"], run_dir=RUN_DIR + "/remote", progress="off"):
    second = cube(3, executor="remote").result(60)
print(json.dumps([first, second, masked]))
"""


def test_a_globus_workflow_after_a_local_one_in_a_fresh_process(compute, transfer_service, tmp_path):
    """The first workflow of a process imports Parsl without the Compute SDK, which it does not
    need; a Globus Compute workflow later in the same process still runs (its SDK is restored in
    Parsl's module). A fresh interpreter, since this one imported Parsl long ago."""
    code = (LOCAL_THEN_REMOTE.replace("TESTS", repr(os.path.dirname(__file__)))
            .replace("URL", repr(transfer_service.url)).replace("RUN_DIR", repr(str(tmp_path)))
            .replace("CONFIG", repr(_config(tmp_path))))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [8, 27, False]


def test_bad_endpoint_options_are_refused_at_call_time(compute, tmp_path):
    with Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")):
        with pytest.raises(ValueError, match=r"remote: chiltepin_task_geometry\.walltime: .*HH:MM:SS"):
            square(1, executor="remote", chiltepin_task_geometry={"walltime": "soon"})
        with pytest.raises(ValueError, match=r"partiton.*did you mean 'partition'"):
            square(1, executor="remote", chiltepin_task_geometry={"user_endpoint_config": {"partiton": "x"}})
    assert not compute.submissions


def test_without_a_login_the_workflow_does_not_start_and_says_what_to_run(globus_env, tmp_path):
    with pytest.raises(GlobusAuthError, match=r"^remote: no valid Globus tokens for funcx_service.*Run `chiltepin "
                                              r"login`"):
        Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")).start()


def test_an_unreadable_token_file_is_named(globus_env, tmp_path):
    globus_env.parent.mkdir(parents=True)
    globus_env.write_text("[1, 2")
    with pytest.raises(GlobusAuthError, match=f"^remote: the Globus token file {globus_env} is not valid JSON"):
        Workflow(_config(tmp_path), include=["remote"], run_dir=str(tmp_path / "runinfo")).start()


@pytest.mark.parametrize(("block", "message"), [
    ({"endpoint": "not-a-uuid"}, "remote.endpoint: 'not-a-uuid' is not a Globus Compute endpoint UUID"),
    ({"executor": "globus-compute"}, "remote.endpoint: required by executor 'globus-compute'"),
    ({"endpoint": KNOWN_ENDPOINT, "partiton": "x"}, "remote.partiton: unknown key for executor 'globus-compute' "
                                                    "(did you mean 'partition'?)"),
    ({"endpoint": KNOWN_ENDPOINT, "walltime": "1h"}, "remote.walltime: '1h' is not a wall time"),
])
def test_bad_resource_blocks_name_the_resource_and_key(block, message, tmp_path):
    with pytest.raises(ConfigError) as error:
        Workflow({"remote": block}, include=["remote"], run_dir=str(tmp_path)).start()
    assert message in str(error.value)
    assert len(error.value.problems) == 1


def test_mpi_geometry_goes_to_the_endpoint_as_the_resource_specification(compute, tmp_path):
    pytest.importorskip("chiltepin_mpi", reason="chiltepin-mpi translates MPI task geometry")
    config = _config(tmp_path, mpi=True, nodes_per_block=2, mpi_launcher="srun", max_mpi_apps=2)
    with Workflow(config, include=["remote"], run_dir=str(tmp_path / "runinfo")):
        future = declares_spec(1, executor="remote", chiltepin_task_geometry={
            "num_nodes": 2, "ranks_per_node": 3, "walltime": "00:30:00"})
        with pytest.raises(ValueError, match="num_nodes"):
            square(1, executor="remote", chiltepin_task_geometry={"num_nodes": 3, "ranks_per_node": 1})
        future.exception(60)
    [submission] = compute.submissions
    spec = submission["resource_specification"]
    assert (spec["num_nodes"], spec["ranks_per_node"], spec["num_ranks"]) == (2, 3, 6)
    endpoint = submission["user_endpoint_config"]
    assert (endpoint["mpi"], endpoint["mpi_launcher"], endpoint["walltime"], endpoint["nodes_per_block"]) == \
        (True, "srun", "00:30:00", 2)
