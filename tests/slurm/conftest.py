"""Fixtures for the Slurm and PBS Pro tests.

``slurm_cluster`` starts a real Slurm cluster (one slurmctld, three slurmd "nodes" n1..n3 on
127.0.0.1) with scripts/slurm/cluster-up.sh once per session, exports SLURM_CONF, and stops it
by PID afterwards. ``render`` builds a resource's Parsl provider and returns the job script it
writes, without a scheduler.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts" / "slurm"
PBS_STANDINS = SCRIPTS / "pbs"
VENV_BIN = Path(sys.executable).parent

#: The environment line every test block needs: workers start from this virtual environment.
WORKER_PATH = f"export PATH={VENV_BIN}:$PATH"


@dataclass(frozen=True)
class Cluster:
    """A running test cluster."""

    dir: Path
    conf: Path
    nodes: tuple[str, ...]

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=check)

    def active_jobs(self) -> list[str]:
        """Ids of jobs pending, running or completing."""
        return self.run("squeue", "-h", "-o", "%i").stdout.split()

    def cancel_all(self, timeout: float = 20) -> None:
        """scancel every job and wait (bounded) until none is left holding nodes."""
        self.run("scancel", "--full", "--user", os.environ.get("USER", "root"), check=False)
        deadline = time.monotonic() + timeout
        while self.active_jobs() and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if shutil.which("slurmctld") is None or shutil.which("slurmd") is None:
        pytest.skip("Slurm is not installed (slurmctld/slurmd missing); run scripts/install-system-deps.sh")
    where = tmp_path_factory.mktemp("slurm-cluster")
    up = subprocess.run([str(SCRIPTS / "cluster-up.sh"), str(where), "3", "4"], capture_output=True,
                        text=True, timeout=90)
    if up.returncode != 0:
        subprocess.run([str(SCRIPTS / "cluster-down.sh"), str(where)], timeout=60)
        pytest.fail(f"the test Slurm cluster did not start:\n{up.stdout}{up.stderr}")
    patch = pytest.MonkeyPatch()
    patch.setenv("SLURM_CONF", str(where / "etc" / "slurm.conf"))
    cluster = Cluster(where, where / "etc" / "slurm.conf", ("n1", "n2", "n3"))
    try:
        yield cluster
    finally:
        cluster.cancel_all(timeout=10)
        subprocess.run([str(SCRIPTS / "cluster-down.sh"), str(where)], timeout=60)
        patch.undo()


@pytest.fixture
def cluster(slurm_cluster: Cluster) -> Iterator[Cluster]:
    """The session's cluster, with an empty queue before and after the test."""
    slurm_cluster.cancel_all()
    yield slurm_cluster
    slurm_cluster.cancel_all()


def resolved(block: Mapping[str, Any], *, mpi: bool = False, name: str = "res"):
    """Resolve one resource block with the installed plugins; ``mpi`` marks it as an MPI resource
    without needing chiltepin-mpi (the provider only reads ``resource.mpi``)."""
    from chiltepin.config.resolve import resolve_resource
    from chiltepin.plugins import get_plugin_manager

    resource = resolve_resource(name, dict(block), get_plugin_manager())
    if mpi:
        resource = replace(resource, backend="mpi", options=MappingProxyType({**resource.options, "mpi": True}))
    return resource


@pytest.fixture
def worker_env() -> list[str]:
    """Environment lines for test blocks: workers start from this virtual environment."""
    return [WORKER_PATH]


@pytest.fixture
def pbs_standins(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the qsub/qstat/qdel stand-ins (over the test Slurm cluster) first on PATH."""
    monkeypatch.setenv("PATH", f"{PBS_STANDINS}{os.pathsep}{os.environ['PATH']}")
    return PBS_STANDINS


@pytest.fixture
def resolve() -> Callable[..., Any]:
    """The :func:`resolved` helper, for tests."""
    return resolved


@dataclass(frozen=True)
class Rendered:
    script: str
    submit: str

    @property
    def header(self) -> str:
        """The script up to its first line that is neither blank nor a comment."""
        lines = []
        for line in self.script.splitlines():
            if line.strip() and not line.startswith("#"):
                break
            lines.append(line)
        return "\n".join(lines).rstrip() + "\n"


@pytest.fixture
def render(tmp_path: Path) -> Callable[..., Rendered]:
    """``render(block, mpi=False)``: the job script and submit command of the block's first job,
    with the job name shown as JOB and the script directory as DIR."""
    from chiltepin.plugins import get_plugin_manager

    def _render(block: Mapping[str, Any], *, mpi: bool = False) -> Rendered:
        resource = resolved(block, mpi=mpi)
        manager = get_plugin_manager()
        launcher = manager.lookup("launchers", "simple" if mpi else resource.launcher).build(resource)
        provider = manager.lookup("resource_providers", resource.provider).build(resource, launcher)
        provider.script_dir = str(tmp_path)
        calls: list[str] = []

        def execute_wait(cmd: str, timeout: float | None = None) -> tuple[int, str, str]:
            calls.append(cmd)
            return 0, "Submitted batch job 7" if cmd.startswith("sbatch") else "7.server", ""

        provider.execute_wait = execute_wait
        provider.submit("WORKER_COMMAND", 1, "parsl.res.block-0")
        script_path = calls[-1].split()[-1]
        job = Path(script_path).name
        text = Path(script_path).read_text()
        return Rendered(script=text.replace(job, "JOB").replace(str(tmp_path), "DIR"),
                        submit=calls[-1].replace(job, "JOB").replace(str(tmp_path), "DIR"))

    return _render
