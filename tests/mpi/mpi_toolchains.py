"""The MPI toolchains the tests use: Debian's Open MPI and MPICH, by their unambiguous program names."""

from __future__ import annotations

import shutil

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
              "resource": {"mpi_launcher": "mpiexec", "mpi_command": "mpiexec.mpich"}},
}


def missing_programs(flavour: str) -> list[str]:
    spec = FLAVOURS[flavour]
    return [p for p in (spec["cc"], spec["run"]) if shutil.which(p) is None]


def require(flavour: str) -> None:
    missing = missing_programs(flavour)
    if missing:
        pytest.skip(f"{flavour} is not installed (no {', '.join(missing)}); run scripts/install-system-deps.sh")
