"""Which MPI an ``mpiexec`` belongs to, told from what its ``--version`` prints.

The ``mpiexec`` MPI launcher runs ``mpiexec --version`` (or ``mpi_command --version``) in the
worker, whose environment the resource's ``environment`` lines have set up, and renders the
prefix of the flavour it finds. The answer is kept for the life of the worker process.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

#: Seconds to wait for ``--version``.
VERSION_TIMEOUT = 30


@dataclass(frozen=True)
class Flavour:
    """An MPI implementation: its MPI launcher and the line of ``--version`` output that identifies it."""

    name: str
    launcher: str
    signature: str

    def matches(self, text: str) -> bool:
        return re.search(self.signature, text, re.MULTILINE) is not None


#: Checked in this order: Intel MPI and MVAPICH build on Hydra, so they come before MPICH.
FLAVOURS = (
    Flavour("Intel MPI", "mpiexec-intel", r"Intel\(R\) MPI Library"),
    Flavour("MVAPICH", "mpiexec-mvapich", r"(?i)mvapich"),
    Flavour("MPICH (Hydra)", "mpiexec-mpich", r"^HYDRA build details:"),
    Flavour("Open MPI", "mpiexec-openmpi", r"^\S+ \((?:OpenRTE|Open MPI)\) \d"),
)


class MPIFlavourError(RuntimeError):
    """The worker's ``mpiexec`` could not be run or identified."""


def identify(text: str) -> Flavour | None:
    """The flavour whose signature ``--version`` output ``text`` shows, or None."""
    return next((flavour for flavour in FLAVOURS if flavour.matches(text)), None)


_detected: dict[tuple[str, str], str] = {}


def _fix(key: str) -> str:
    names = ", ".join(f.launcher for f in FLAVOURS)
    return f"set {key}.mpi_launcher to the flavour ({names}, srun or aprun)"


def detect(command: str, resource: str | None) -> str:
    """The MPI launcher for the ``command`` (e.g. ``mpiexec``) this process finds on its PATH.

    Cached per command and PATH for the life of the process. MPIFlavourError, naming the
    resource's ``mpi_launcher`` setting, when the program is missing, fails or is not recognised.
    """
    cache_key = (command, os.environ.get("PATH", ""))
    if cache_key in _detected:
        return _detected[cache_key]
    key = resource or "<resource>"
    where = f"resource '{resource}'" if resource else "this machine"
    try:
        done = subprocess.run([command, "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise MPIFlavourError(
            f"{where}: there is no '{command}' on the worker's PATH (after {key}.environment); "
            f"load an MPI in {key}.environment, set {key}.mpi_command, or {_fix(key)}") from None
    except OSError as exc:
        raise MPIFlavourError(f"{where}: cannot run '{command} --version' ({exc.strerror}); {_fix(key)}") from None
    except subprocess.TimeoutExpired:
        raise MPIFlavourError(f"{where}: '{command} --version' did not finish in {VERSION_TIMEOUT} s; "
                              f"{_fix(key)}") from None
    printed = (done.stdout + done.stderr).strip()
    flavour = identify(printed)
    if flavour is None:
        quoted = "\n".join(f"    {line}" for line in printed.splitlines()[:12]) or "    (nothing)"
        raise MPIFlavourError(
            f"{where}: cannot tell which MPI '{command}' is (mpi_launcher 'mpiexec' detects Open MPI, "
            f"MPICH, Intel MPI and MVAPICH); '{command} --version' exited {done.returncode} and printed:\n{quoted}\n"
            f"{_fix(key)}")
    _detected[cache_key] = flavour.launcher
    return flavour.launcher
