"""The tasks chapter's MPI examples (shared/seeds/000_...txt, "Basic MPI Task Example" and "Compile
and Run MPI Code"), their task functions as written, on this machine with the default
``mpi_launcher`` (``mpiexec``, flavour detected on the worker):

- ``openmpi``: Debian's default ``mpiexec`` and ``mpif90`` (Open MPI), no MPI key in the config;
- ``mpich``: MPICH selected by an environment line, as ``module load mpich`` would (a directory
  whose ``mpiexec``/``mpif90`` are MPICH's first on PATH), on both resources.

Deviations from the text: a ``localhost`` block is one node, so the geometries ask for one node
(4 ranks); ``$MPIF90`` and the Fortran source are set up by the test; the chapter's
``"/path/to/source"`` is the test's directory. The Slurm version (several nodes) is
tests/slurm/test_slurm_spec_mpi.py.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task
from mpi_toolchains import OPENMPI_ENVIRONMENT, mpich_dir, require, write_program

pytestmark = pytest.mark.mpi

SOURCE = Path(__file__).with_name("simulation.f90")
TIMEOUT = 180


# -- as written in the chapter -------------------------------------------------------------------

@bash_task
def run_mpi_hello():
    return "$PARSL_MPI_PREFIX ./mpi_hello.exe"


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


# -- set-up ----------------------------------------------------------------------------------------

def ranks_ran(text: str, expected: int, input_file: str) -> None:
    """Ranks 0..expected-1 of one world ran, agreed on the Allreduce and saw the input file name."""
    lines = re.findall(r"^rank (\d+) of (\d+) sum (\d+) input ?(\S*)$", text, re.MULTILINE)
    assert sorted(int(r) for r, *_ in lines) == list(range(expected)), text
    assert {(int(n), int(s), i) for _, n, s, i in lines} == {(expected, expected * (expected - 1) // 2, input_file)}


def configuration(flavour: str, where: Path) -> dict:
    if flavour == "openmpi":
        require("openmpi")
        lines = OPENMPI_ENVIRONMENT
    else:
        require("mpich")
        lines = [f"export PATH={mpich_dir(where / 'mpich-bin', where / 'version-calls')}:$PATH"]
    (where / "fancy-bin").mkdir()
    write_program(where / "fancy-bin" / "mpiexec", 'echo "FancyMPI launcher 9.1"')
    return {"compute": {"environment": [*lines, "export MPIF90=mpif90"], "init_blocks": 1},
            "mpi": {"mpi": True, "environment": lines},
            "fancy": {"mpi": True, "environment": [f"export PATH={where / 'fancy-bin'}:$PATH"]}}


@pytest.fixture(params=["openmpi", "mpich"])
def chapter(request, tmp_path, monkeypatch):
    """A workflow with the chapter's resource names; relative paths are the test's directory."""
    if shutil.which("gfortran") is None:
        pytest.skip("gfortran is not installed; run scripts/install-system-deps.sh")
    config = configuration(request.param, tmp_path)
    shutil.copy(SOURCE, tmp_path / "simulation.f90")
    (tmp_path / "config.in").write_text("steps = 3\n")
    monkeypatch.chdir(tmp_path)
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        yield request.param, tmp_path


def test_compile_then_run_and_the_basic_example(chapter):
    flavour, source = chapter
    assert compile_mpi_code(str(source), executor=["compute"]).result(timeout=TIMEOUT) == 0

    sim_result = run_mpi_simulation(
        str(source),
        "config.in",
        executor=["mpi"],
        chiltepin_task_geometry={
            "num_nodes": 1,
            "num_ranks": 4,
            "ranks_per_node": 4
        },
        stdout="simulation.out",
        stderr="simulation.err"
    ).result(timeout=TIMEOUT)
    assert sim_result == 0, (source / "simulation.err").read_text()
    ranks_ran((source / "simulation.out").read_text(), 4, "config.in")

    shutil.copy(source / "simulation.exe", source / "mpi_hello.exe")
    exit_code = run_mpi_hello(
        executor=["mpi"],
        chiltepin_task_geometry={
            "num_nodes": 1,
            "num_ranks": 2,
            "ranks_per_node": 2
        },
        stdout="hello.out", stderr="hello.err",
    ).result(timeout=TIMEOUT)
    assert exit_code == 0, (source / "hello.err").read_text()
    ranks_ran((source / "hello.out").read_text(), 2, "")
    if flavour == "mpich":
        # Two MPI tasks ran on the block's one worker: mpiexec --version ran once, then was cached.
        assert (source / "version-calls").read_text() == "called\n"


def test_an_unidentifiable_mpiexec_fails_the_task_quoting_it(chapter):
    from chiltepin_mpi.flavours import MPIFlavourError

    future = run_mpi_hello(executor=["fancy"], chiltepin_task_geometry={"num_ranks": 1})
    with pytest.raises(MPIFlavourError) as info:
        future.result(timeout=TIMEOUT)
    assert "resource 'fancy': cannot tell which MPI 'mpiexec' is" in str(info.value)
    assert "printed:\n    FancyMPI launcher 9.1\n" in str(info.value)
    assert "set fancy.mpi_launcher to the flavour" in str(info.value)
