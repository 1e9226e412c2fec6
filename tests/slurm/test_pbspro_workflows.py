"""The pbspro provider end to end: PBS Pro cannot run here, so qsub/qstat/qdel stand-ins
(scripts/slurm/pbs/, first on PATH) translate to the real test Slurm cluster, where the jobs
really run with PBS_JOBID and PBS_NODEFILE set."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from chiltepin import Workflow
from chiltepin.tasks import python_task

pytestmark = pytest.mark.slurm

#: Open MPI's mpiexec starts the worker pools (the pbspro provider's default launcher).
OPEN_MPI = ["export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
            "export OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo"]


@python_task
def pbs_view(directory: str, expected: int) -> dict:
    """What a PBS job shows, once ``expected`` distinct worker pools have checked in.

    mpiexec hands every pool the batch node's environment (so SLURMD_NODENAME says n1 on every
    node); the pool a worker belongs to is its parent process.
    """
    import os
    import pathlib
    import time

    pool = str(os.getppid())
    here = pathlib.Path(directory)
    (here / f"{pool}.{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while len({p.name.split(".")[0] for p in here.iterdir()}) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return {"pool": pool, "jobid": os.environ.get("PBS_JOBID"),
            "nodefile": pathlib.Path(os.environ["PBS_NODEFILE"]).read_text().split()}


@pytest.fixture
def pbs_block(cluster, pbs_standins, worker_env) -> dict:
    if shutil.which("mpiexec") is None:
        pytest.skip("mpiexec (openmpi-bin) is not installed; run scripts/install-system-deps.sh")
    return {"provider": "pbspro", "queue": "debug", "walltime": "00:03:00", "init_blocks": 1,
            "status_polling_interval": 1, "heartbeat_period": 1, "heartbeat_threshold": 5,
            "environment": worker_env + OPEN_MPI}


def test_two_node_pbs_block_runs_through_the_standins(cluster, pbs_block, tmp_path):
    config = {"pbs": {**pbs_block, "nodes_per_block": 2, "cores_per_node": 2, "max_workers_per_node": 1}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")) as workflow:
        views = [pbs_view(str(tmp_path), 2, executor="pbs") for _ in range(2)]
        seen = [f.result(timeout=180) for f in views]
        executor = workflow.executors["pbs"]
        deadline = time.monotonic() + 10
        while not any(s.state.name == "RUNNING" for s in executor.status().values()):
            assert time.monotonic() < deadline, "qstat never reported the block as running"
            time.sleep(0.5)
        job = seen[0]["jobid"]
        assert job in cluster.run("qstat", "-x", "-f", "-F", "json", job).stdout
    assert len({v["pool"] for v in seen}) == 2, "one worker pool per node (max_workers_per_node 1)"
    assert re.fullmatch(r"\d+\.\w+", job) and {v["jobid"] for v in seen} == {job}
    assert all(v["nodefile"] == ["n1", "n2"] for v in seen)
    slurm_id = job.split(".")[0]
    deadline = time.monotonic() + 20
    while slurm_id in cluster.active_jobs():  # qdel at cleanup ends the job
        assert time.monotonic() < deadline, f"job {job} still active after the workflow ended"
        time.sleep(0.2)


def test_rejected_qsub_fails_the_tasks_with_its_message(cluster, pbs_block, tmp_path):
    config = {"pbs": {**pbs_block, "queue": "no-such-queue"}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        future = pbs_view(str(tmp_path), 1, executor="pbs")
        with pytest.raises(Exception) as caught:
            future.result(timeout=30)
    assert "qsub rejected block parsl.pbs.block-0" in str(caught.value)
    assert "invalid partition" in str(caught.value).lower()


def test_standin_refuses_the_select_line_upstream_rendered(cluster, pbs_standins, tmp_path):
    """The fault chiltepin fixes is real against the stand-in: Parsl's PBSProProvider with
    cpus_per_node=None (what chiltepin 0.1 passed for MPI and cores-less resources) is refused."""
    from parsl.providers import PBSProProvider
    from parsl.providers.errors import SubmitException

    upstream = PBSProProvider(queue="debug", cpus_per_node=None)
    upstream.script_dir = str(tmp_path)
    with pytest.raises(SubmitException) as caught:
        upstream.submit("true", 1, "upstream")
    assert "ncpus=None" in caught.value.stderr
    assert cluster.active_jobs() == []
