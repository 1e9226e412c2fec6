"""Worker side of the ``mpi`` executor: give each task the launcher prefix of its own launcher.

Parsl's worker composes ``$PARSL_MPI_PREFIX`` only in the forms it knows (its ``mpiexec`` is
Hydra's syntax). The executor submits every task through Parsl's documented ``task_executor``
hook naming :func:`execute`, which runs in the worker after Parsl has placed the task on its
nodes (``$PARSL_MPI_NODELIST``), picks the flavour of ``mpiexec`` for the ``mpiexec`` launcher
(:mod:`.flavours`), sets ``PARSL_MPI_PREFIX`` from the chiltepin launcher and ``OMP_NUM_THREADS``
from ``threads_per_rank``, runs the task, and restores the environment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from typing import Any

from chiltepin.plugins import get_plugin_manager

from .flavours import detect
from .launchers import DETECT, OWN_LAUNCHERS, with_command


def resolve_launcher(launcher: str, command: str | None, resource: str | None) -> str:
    """``launcher``, or for ``mpiexec`` the flavour of the worker's ``mpiexec`` (or ``command``)."""
    return detect(command or "mpiexec", resource) if launcher == DETECT else launcher


def task_environment(launcher: str, spec: Mapping[str, Any], nodes: list[str],
                     command: str | None = None) -> dict[str, str]:
    """The variables a task with geometry ``spec`` on ``nodes`` gets from MPI launcher ``launcher``.

    chiltepin-mpi's own launchers are used directly; others come from the plugin manager, which
    then loads the installed plugins in the worker once.
    """
    record = OWN_LAUNCHERS.get(launcher) or get_plugin_manager().lookup("mpi_launchers", launcher)
    env = {"PARSL_MPI_PREFIX": with_command(record.prefix(spec, nodes), command)}
    if spec.get("threads_per_rank"):
        env["OMP_NUM_THREADS"] = str(spec["threads_per_rank"])
    return env


@contextlib.contextmanager
def openmpi_session_base() -> Iterator[dict[str, str]]:
    """A private ``OMPI_MCA_orte_tmpdir_base`` for one task (under the one set, if any).

    Open MPI 4 creates its session directory ``<base>/ompi.<host>.<uid>`` racily: of two
    ``mpiexec`` starting at once on a host (two tasks of one block) one may fail with "mkdir ...
    File exists". With a base of its own, each task's ``mpiexec`` creates its own.
    """
    path = tempfile.mkdtemp(prefix="chiltepin-ompi-", dir=os.environ.get("OMPI_MCA_orte_tmpdir_base"))
    try:
        yield {"OMPI_MCA_orte_tmpdir_base": path}
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def launcher_session(launcher: str) -> Iterator[dict[str, str]]:
    """Extra variables a launcher needs for one task, set up and removed around it."""
    if launcher == "mpiexec-openmpi":
        with openmpi_session_base() as env:
            yield env
    else:
        yield {}


def execute(buffer: bytes, *, launcher: str, spec: Mapping[str, Any], command: str | None = None,
            resource: str | None = None) -> Any:
    """Run one serialized task (Parsl's ``execute_task``) with the launcher's environment."""
    from parsl.executors.execute_task import execute_task

    nodes = [n for n in os.environ.get("PARSL_MPI_NODELIST", "").split(",") if n]
    launcher = resolve_launcher(launcher, command, resource)
    with launcher_session(launcher) as session:
        env = {**task_environment(launcher, spec, nodes, command), **session}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        try:
            return execute_task(buffer)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
