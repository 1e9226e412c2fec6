"""A third-party provider whose blocks run on this machine (``runs_locally=True``), installed as a
real distribution (dist-info on sys.path), gets what core's ``localhost`` gets: its pools run with
the workflow's interpreter (no activated environment), the fast start-up's standby pool, no job
script, and the ``mpi`` backend's node file and one-node geometry check (tests/mpi)."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from chiltepin import Workflow
from chiltepin.config import build_executor, resolve_resource
from chiltepin.errors import ConfigError
from chiltepin.plugins import set_plugin_manager
from chiltepin.tasks import python_task

#: A provider wrapping Parsl's LocalProvider, as the provider tutorial writes it.
NEARBY = """
from chiltepin.plugins import BLOCK_SETTINGS, ResourceProvider, Setting, Str, block_kwargs, hookimpl

def _build(resource, launcher):
    from parsl.providers import LocalProvider

    kwargs = block_kwargs(resource)
    kwargs["worker_init"] = f"cd {resource.get('scratch_dir')}\\n{kwargs['worker_init']}"
    return LocalProvider(launcher=launcher, nodes_per_block=1, **kwargs)

@hookimpl
def chiltepin_resource_providers():
    return [ResourceProvider(
        name="nearby", build=_build, default_launcher="single-node", runs_locally=True,
        settings=BLOCK_SETTINGS + (Setting("scratch_dir", Str(), "/tmp", "Directory the workers start in."),),
        description="Blocks on this machine, started in a scratch directory.")]
"""


@pytest.fixture
def nearby(make_dist, fresh_manager):
    """The process-wide plugin manager over everything installed plus chiltepin-nearby 1.0.0."""
    make_dist("chiltepin-nearby", {"nearby": "nearby_plugin"}, {"nearby_plugin": NEARBY}, version="1.0.0")
    manager = fresh_manager()
    previous = set_plugin_manager(manager)
    yield manager
    set_plugin_manager(previous)


@pytest.fixture
def without_environment(monkeypatch):
    """PATH without this interpreter's directory (the environment is not activated)."""
    bin_dir = os.path.dirname(os.path.abspath(sys.executable))
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and os.path.abspath(p) != bin_dir)
    monkeypatch.setenv("PATH", path)
    assert shutil.which("process_worker_pool.py") is None, "Parsl's pool script is still on PATH"


@python_task
def where_am_i():
    import os
    import sys

    return os.getcwd(), sys.executable


def test_the_provider_record_says_it_runs_locally(nearby):
    resource = resolve_resource("near", {"provider": "nearby"}, nearby)
    assert resource.runs_locally and resource.get("scratch_dir") == "/tmp"
    assert not resolve_resource("far", {"provider": "slurm"}, nearby).runs_locally


def test_a_task_runs_without_the_environment_activated(nearby, without_environment, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    config = {"near": {"provider": "nearby", "scratch_dir": str(scratch), "init_blocks": 1, "max_blocks": 1}}
    with Workflow(config, include=["near"], run_dir=str(tmp_path / "runs")):
        cwd, interpreter = where_am_i(executor="near").result(timeout=120)
    assert (cwd, interpreter) == (str(scratch), sys.executable)
    # The block's pool was a standby started ahead of time, as for localhost.
    assert (tmp_path / "runs" / "standby-pools" / "near.log").exists()


def test_it_submits_no_job_script(nearby, tmp_path):
    workflow = Workflow({"near": {"provider": "nearby"}}, run_dir=str(tmp_path))
    with pytest.raises(ConfigError) as caught:
        workflow.job_script("near")
    assert str(caught.value) == (
        "near: the resource is on provider 'nearby', which starts its blocks as processes on this machine, so it "
        "submits no job script; job scripts come from batch providers such as slurm and pbspro")



@python_task
def mpi_ranks():
    """Start two ranks with the task's $PARSL_MPI_PREFIX; each prints its MPICH rank."""
    import os
    import shlex
    import subprocess

    done = subprocess.run(shlex.split(os.environ["PARSL_MPI_PREFIX"]) + ["sh", "-c", "echo rank $PMI_RANK"],
                          capture_output=True, text=True, timeout=120)
    return done.returncode, sorted(done.stdout.splitlines()), done.stderr


def mpi_block(provider):
    return {"provider": provider, "mpi": True, "mpi_launcher": "mpiexec-mpich", "mpi_command": "mpiexec.mpich"}


@pytest.mark.mpi
def test_mpi_on_it_is_checked_and_built_as_on_localhost(nearby):
    pytest.importorskip("chiltepin_mpi", reason="chiltepin-mpi provides the mpi backend")
    messages = {}
    for provider in ("localhost", "nearby"):
        resource = resolve_resource("sim", mpi_block(provider), nearby)
        assert build_executor(resource, nearby).local_slots == 1  # a node file listing this machine
        with pytest.raises(ValueError) as caught:
            nearby.translate_geometry({"num_nodes": 2, "ranks_per_node": 1}, resource)
        messages[provider] = str(caught.value)
    assert messages["nearby"] == ("num_nodes (2) is more than the 1 node(s) in a block of resource 'sim' "
                                  "(a nearby block is this one machine)")
    assert messages["localhost"] == messages["nearby"].replace("nearby", "localhost")


@pytest.mark.mpi
def test_an_mpi_task_runs_on_it_without_the_environment_activated(nearby, without_environment, tmp_path):
    pytest.importorskip("chiltepin_mpi", reason="chiltepin-mpi provides the mpi backend")
    if shutil.which("mpiexec.mpich") is None:
        pytest.skip("MPICH is not installed (no mpiexec.mpich); run scripts/install-system-deps.sh")
    with Workflow({"sim": mpi_block("nearby")}, include=["sim"], run_dir=str(tmp_path)):
        code, lines, stderr = mpi_ranks(executor="sim", chiltepin_task_geometry={"num_ranks": 2}).result(timeout=180)
    assert (code, lines) == (0, ["rank 0", "rank 1"]), stderr
