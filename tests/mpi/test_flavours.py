"""MPI flavour detection (chiltepin_mpi.flavours) against the real mpiexec programs of this machine.

Debian's default ``mpiexec`` is Open MPI; MPICH is selected the way a ``module load`` would, by
putting a directory whose ``mpiexec`` is MPICH's first on PATH. Intel MPI and MVAPICH are not
installable here: their recognition is checked on the first line their ``--version`` prints
(quoted from their documentation), which is the one thing detection reads.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from chiltepin_mpi import flavours
from chiltepin_mpi.flavours import MPIFlavourError, detect, identify
from chiltepin_mpi.launchers import DETECT, OWN_LAUNCHERS
from mpi_toolchains import mpich_dir, require, write_program

pytestmark = pytest.mark.mpi


@pytest.fixture(autouse=True)
def _fresh_cache(monkeypatch):
    monkeypatch.setattr(flavours, "_detected", {})


def version_output(*command: str) -> str:
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


def test_this_machines_open_mpi_and_mpich_are_recognised():
    require("openmpi")
    require("mpich")
    assert identify(version_output("mpiexec.openmpi")).launcher == "mpiexec-openmpi"
    assert identify(version_output("mpiexec.mpich")).launcher == "mpiexec-mpich"
    assert identify(version_output("mpiexec.hydra")).launcher == "mpiexec-mpich"


@pytest.mark.parametrize("first_line, launcher", [
    ("mpiexec (OpenRTE) 4.1.4", "mpiexec-openmpi"),
    ("mpirun (Open MPI) 5.0.3", "mpiexec-openmpi"),
    ("Intel(R) MPI Library for Linux* OS, Version 2021.10 Build 20230619 (id: c2e19c2f3e)", "mpiexec-intel"),
    ("HYDRA build details:\n    Version:    3.2.1\n    Configure options:  '--prefix=/opt/mvapich2-2.3.7'",
     "mpiexec-mvapich"),
    ("HYDRA build details:\n    Version:    4.1.2", "mpiexec-mpich"),
])
def test_version_lines_recognised(first_line, launcher):
    assert identify(first_line).launcher == launcher


def test_default_mpiexec_here_is_open_mpi_and_a_module_like_path_selects_mpich(tmp_path, monkeypatch):
    require("openmpi")
    require("mpich")
    assert detect("mpiexec", "res") == "mpiexec-openmpi"
    monkeypatch.setenv("PATH", f"{mpich_dir(tmp_path / 'mpich')}{os.pathsep}{os.environ['PATH']}")
    assert detect("mpiexec", "res") == "mpiexec-mpich"


def test_detection_runs_once_per_process_and_path(tmp_path, monkeypatch):
    require("mpich")
    log = tmp_path / "calls"
    monkeypatch.setenv("PATH", f"{mpich_dir(tmp_path / 'mpich', log)}{os.pathsep}{os.environ['PATH']}")
    assert [detect("mpiexec", "res") for _ in range(3)] == ["mpiexec-mpich"] * 3
    assert log.read_text() == "called\n"


def test_an_unknown_mpiexec_is_an_error_quoting_its_output_and_naming_the_setting(tmp_path, monkeypatch):
    write_program(tmp_path / "mpiexec", 'echo "FancyMPI launcher 9.1"; echo "(c) nobody" >&2; exit 3')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(MPIFlavourError) as info:
        detect("mpiexec", "sim")
    text = str(info.value)
    assert text.startswith("resource 'sim': cannot tell which MPI 'mpiexec' is")
    assert "exited 3 and printed:\n    FancyMPI launcher 9.1\n    (c) nobody\n" in text
    assert "set sim.mpi_launcher to the flavour (mpiexec-intel, mpiexec-mvapich, mpiexec-mpich, mpiexec-openmpi" in text


def test_a_missing_mpiexec_names_the_environment_and_the_settings(tmp_path):
    with pytest.raises(MPIFlavourError, match=r"resource 'sim': there is no '/nonexistent/mpiexec' on the worker's "
                                              r"PATH \(after sim.environment\).*sim.mpi_command.*sim.mpi_launcher"):
        detect("/nonexistent/mpiexec", "sim")


def test_every_flavour_has_its_launcher():
    assert {f.launcher for f in flavours.FLAVOURS} <= set(OWN_LAUNCHERS)
    assert DETECT in OWN_LAUNCHERS


def test_an_mpiexec_that_cannot_run_names_the_reason(tmp_path):
    program = tmp_path / "mpiexec"
    program.write_text("not a program\n")
    with pytest.raises(MPIFlavourError,
                       match=r"resource 'sim': cannot run '.*mpiexec --version' \(Permission denied\); "
                             r"set sim.mpi_launcher"):
        detect(str(program), "sim")
