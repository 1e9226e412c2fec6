"""The MPI toolchains the tests use: Debian's Open MPI and MPICH, by their unambiguous program names."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

#: Open MPI refuses to run as root without these (CI containers run as root); loopback only.
OPENMPI_ENVIRONMENT = [
    "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
    "export OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo",
]

#: Per flavour: the compiler, the launcher program, the chiltepin MPI launcher and resource options.
FLAVOURS = {
    "openmpi": {"cc": "mpicc.openmpi", "run": "mpiexec.openmpi",
                "resource": {"mpi_launcher": "mpiexec-openmpi", "mpi_command": "mpiexec.openmpi"}},
    "mpich": {"cc": "mpicc.mpich", "run": "mpiexec.mpich",
              "resource": {"mpi_launcher": "mpiexec-mpich", "mpi_command": "mpiexec.mpich"}},
}


def missing_programs(flavour: str) -> list[str]:
    spec = FLAVOURS[flavour]
    return [p for p in (spec["cc"], spec["run"]) if shutil.which(p) is None]


def require(flavour: str) -> None:
    missing = missing_programs(flavour)
    if missing:
        pytest.skip(f"{flavour} is not installed (no {', '.join(missing)}); run scripts/install-system-deps.sh")


def write_program(path: Path, body: str) -> Path:
    """An executable shell script."""
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def mpich_dir(where: Path, log: Path | None = None) -> Path:
    """A directory whose ``mpiexec``, ``mpicc`` and ``mpif90`` are MPICH's, as ``module load mpich``
    puts first on PATH; ``log`` records each ``mpiexec --version``. Wrappers, not symbolic links:
    Hydra finds its proxy next to the program it was started as."""
    where.mkdir(exist_ok=True)
    record = f'[ "$1" = --version ] && echo called >> {log}\n' if log else ""
    write_program(where / "mpiexec", f'{record}exec /usr/bin/mpiexec.hydra "$@"')
    write_program(where / "mpicc", 'exec /usr/bin/mpicc.mpich "$@"')
    write_program(where / "mpif90", 'exec /usr/bin/mpif90.mpich "$@"')
    return where
