"""The tasks chapter's "Compile and Run MPI Code" example (shared/seeds/000_...txt) on the real test
Slurm cluster, across its three nodes: ``compute`` compiles with ``$MPIF90`` (Debian's default,
Open MPI), ``mpi`` runs the program with the default MPI launcher of provider slurm (srun), then
with ``mpi_launcher: mpiexec``, whose flavour (Open MPI) the worker detects.

Deviations from the text: the geometry is 3 nodes x 2 ranks (the cluster has 3 nodes of 4 CPUs);
the Fortran source and ``$MPIF90`` are set up by the test.
"""

from __future__ import annotations

import collections
import re
import shutil
from pathlib import Path

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task
from open_mpi import OPEN_MPI, RERUN_AFTER_OPEN_MPI_CRASH

pytestmark = [pytest.mark.slurm, pytest.mark.mpi]

SOURCE = Path(__file__).resolve().parents[1] / "mpi" / "simulation.f90"
GEOMETRY = {"num_nodes": 3, "num_ranks": 6, "ranks_per_node": 2}


@bash_task
def compile_mpi_code(source_dir):
    return f"""
cd {source_dir}
$MPIF90 -o simulation.exe simulation.f90
"""


@bash_task
def run_mpi_simulation(work_dir, input_file):
    return f"""
cd {work_dir}
$PARSL_MPI_PREFIX ./simulation.exe {input_file}
"""


@bash_task
def nodes_of_ranks(work_dir):
    """Where $PARSL_MPI_PREFIX puts each rank (the Slurm node of the process that starts it)."""
    return f"cd {work_dir}; $PARSL_MPI_PREFIX sh -c 'echo node=${{SLURMD_NODENAME}}'"


def check_ranks(text: str) -> None:
    lines = re.findall(r"^rank (\d+) of (\d+) sum (\d+) input (\S+)$", text, re.MULTILINE)
    assert sorted(int(r) for r, *_ in lines) == list(range(6)), text
    assert {(int(n), int(s), i) for _, n, s, i in lines} == {(6, 15, "config.in")}


@RERUN_AFTER_OPEN_MPI_CRASH
def test_compile_then_run_across_three_nodes(cluster, worker_env, tmp_path, monkeypatch):
    if shutil.which("mpif90") is None or shutil.which("gfortran") is None:
        pytest.skip("mpif90/gfortran are not installed; run scripts/install-system-deps.sh")
    shutil.copy(SOURCE, tmp_path / "simulation.f90")
    (tmp_path / "config.in").write_text("steps = 3\n")
    monkeypatch.chdir(tmp_path)
    block = {"provider": "slurm", "partition": "debug", "walltime": "00:03:00", "exclusive": False,
             "init_blocks": 1, "heartbeat_period": 1, "heartbeat_threshold": 10}
    mpi = {**block, "mpi": True, "nodes_per_block": 3, "cores_per_node": 2, "environment": worker_env + OPEN_MPI}
    config = {"compute": {**block, "cores_per_node": 1, "environment": worker_env + ["export MPIF90=mpif90"]},
              "mpi": mpi}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        compile_result = compile_mpi_code(
            str(tmp_path),
            executor=["compute"]
        ).result(timeout=180)
        assert compile_result == 0
        sim_result = run_mpi_simulation(
            str(tmp_path),
            "config.in",
            executor=["mpi"],
            chiltepin_task_geometry=GEOMETRY,
            stdout="simulation.out",
            stderr="simulation.err"
        ).result(timeout=180)
        assert sim_result == 0, (tmp_path / "simulation.err").read_text()
    check_ranks((tmp_path / "simulation.out").read_text())

    cluster.cancel_all()
    with Workflow({"mpi": {**mpi, "mpi_launcher": "mpiexec"}}, run_dir=str(tmp_path / "runinfo")):
        sim_result = run_mpi_simulation(str(tmp_path), "config.in", executor=["mpi"],
                                        chiltepin_task_geometry=GEOMETRY, stdout="detected.out",
                                        stderr="detected.err").result(timeout=180)
        assert sim_result == 0, (tmp_path / "detected.err").read_text()
        placed = nodes_of_ranks(str(tmp_path), executor=["mpi"], chiltepin_task_geometry=GEOMETRY,
                                stdout="nodes.out", stderr="nodes.err").result(timeout=180)
        assert placed == 0, (tmp_path / "nodes.err").read_text()
    check_ranks((tmp_path / "detected.out").read_text())
    nodes = collections.Counter(re.findall(r"^node=(\S+)$", (tmp_path / "nodes.out").read_text(), re.MULTILINE))
    assert nodes == {"n1": 2, "n2": 2, "n3": 2}, (tmp_path / "nodes.out").read_text()
