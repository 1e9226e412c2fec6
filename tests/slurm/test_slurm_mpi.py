"""MPI tasks through chiltepin-mpi on the real test Slurm cluster: one 3x2 geometry (3 nodes,
2 ranks each) started by srun (Open MPI, PMIx) and by MPICH's mpiexec (Hydra)."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task
from open_mpi import OPEN_MPI, RERUN_AFTER_OPEN_MPI_CRASH

pytestmark = [pytest.mark.slurm, pytest.mark.mpi]

HELLO = Path(__file__).with_name("hello_nodes.c")
GEOMETRY = {"num_nodes": 3, "ranks_per_node": 2}
LINE = re.compile(r"rank=(\d+) size=(\d+) sum=(\d+) node=(\S+) parent_node=(\S+)")


@bash_task
def run_mpi(program: str, stdout: str, stderr: str) -> str:
    return f"$PARSL_MPI_PREFIX {program}"


@bash_task
def run_script(command: str, stdout: str, stderr: str) -> str:
    return command


@pytest.fixture(scope="module")
def programs(tmp_path_factory) -> dict[str, Path]:
    pytest.importorskip("chiltepin_mpi", reason="chiltepin-mpi is not installed")
    built = {}
    where = tmp_path_factory.mktemp("mpi-programs")
    for name, compiler in (("openmpi", "mpicc"), ("mpich", "mpicc.mpich")):
        if shutil.which(compiler) is None:
            pytest.skip(f"{compiler} is not installed; run scripts/install-system-deps.sh")
        built[name] = where / f"hello_{name}"
        subprocess.run([compiler, "-o", str(built[name]), str(HELLO)], check=True, timeout=120)
    return built


def ranks(path: Path) -> dict[int, tuple[int, int, str]]:
    """rank -> (size, allreduce sum, Slurm node) from the program's output."""
    found = {}
    for size, rank, total, node, parent in ((int(m[2]), int(m[1]), int(m[3]), m[4], m[5])
                                            for m in LINE.finditer(path.read_text())):
        found[rank] = (size, total, parent if parent != "-" else node)
    return found


@RERUN_AFTER_OPEN_MPI_CRASH
def test_3x2_geometry_over_three_nodes_with_srun_and_mpich(cluster, worker_env, programs, tmp_path):
    """Both resources ask for 2 CPUs per node (not exclusive), so their blocks share the 3 nodes."""
    block = {"provider": "slurm", "partition": "debug", "mpi": True, "nodes_per_block": 3, "cores_per_node": 2,
             "exclusive": False, "walltime": "00:03:00", "init_blocks": 1, "heartbeat_period": 1,
             "heartbeat_threshold": 10}
    config = {"srun": {**block, "mpi_launcher": "srun", "environment": worker_env + OPEN_MPI},
              "hydra": {**block, "mpi_launcher": "mpiexec", "mpi_command": "mpiexec.mpich",
                        "environment": worker_env}}
    outputs = {name: tmp_path / f"{name}.out" for name in config}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        futures = {name: run_mpi(str(programs["openmpi" if name == "srun" else "mpich"]),
                                 stdout=str(outputs[name]), stderr=str(tmp_path / f"{name}.err"),
                                 executor=name, chiltepin_task_geometry=GEOMETRY)
                   for name in config}
        for name, future in futures.items():
            assert future.result(timeout=180) == 0, (tmp_path / f"{name}.err").read_text()
    for name, path in outputs.items():
        seen = ranks(path)
        assert sorted(seen) == list(range(6)), f"{name}: {path.read_text()}"
        assert {(size, total) for size, total, _ in seen.values()} == {(6, 15)}
        per_node = collections.Counter(node for _, _, node in seen.values())
        assert per_node == {"n1": 2, "n2": 2, "n3": 2}, f"{name}: {path.read_text()}"


def test_2x2_geometry_on_a_pbspro_mpi_block(cluster, pbs_standins, worker_env, programs, tmp_path, monkeypatch):
    """An MPI pbspro resource without cores_per_node (select=2, no ncpus) through the PBS
    stand-ins, with Slurm's node list hidden so Parsl finds the nodes in PBS_NODEFILE. Hydra
    starts its proxies with srun (HYDRA_LAUNCHER), as it would with PBS's own launcher on PBS."""
    monkeypatch.setenv("PBS_STANDIN_HIDE_SLURM", "1")
    config = {"pbs": {"provider": "pbspro", "queue": "debug", "mpi": True, "nodes_per_block": 2,
                      "mpi_launcher": "mpiexec", "mpi_command": "mpiexec.mpich", "walltime": "00:03:00",
                      "init_blocks": 1, "environment": worker_env + ["export HYDRA_LAUNCHER=slurm"]}}
    out = tmp_path / "pbs.out"
    command = f'echo "nodes from ${{SLURM_NODELIST:-PBS_NODEFILE}}"; $PARSL_MPI_PREFIX {programs["mpich"]}'
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        future = run_script(command, stdout=str(out), stderr=str(tmp_path / "pbs.err"), executor="pbs",
                            chiltepin_task_geometry={"num_nodes": 2, "ranks_per_node": 2})
        assert future.result(timeout=120) == 0, (tmp_path / "pbs.err").read_text()
    assert out.read_text().startswith("nodes from PBS_NODEFILE\n")
    seen = ranks(out)
    assert sorted(seen) == [0, 1, 2, 3]
    assert {(size, total) for size, total, _ in seen.values()} == {(4, 6)}
    assert collections.Counter(node for _, _, node in seen.values()) == {"n1": 2, "n2": 2}
