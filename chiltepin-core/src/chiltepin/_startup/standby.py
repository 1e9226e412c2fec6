"""The start-up a workflow owns: standby processes, and the launch commands that use them.

:meth:`Startup.prepare` runs before the workflow imports Parsl, :meth:`Startup.apply` on each
executor right after its backend built it, :meth:`Startup.started` once Parsl has loaded them
all, and :meth:`Startup.close` at cleanup. ``CHILTEPIN_STARTUP_OFF`` (a comma-separated list of
:data:`LAYERS`) turns layers off, to measure them or to rule them out when debugging.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Collection, Mapping
from typing import Any

from ..plugins.records import ExecutorBackend, ResolvedResource
from . import handoff, pool
from .parsl_glue import (
    GLOBUS_COMPUTE,
    INTERCHANGE_MODULE,
    MONITORING_DB,
    OPTIONAL_IMPORTS,
    POOL_MODULE,
    POOL_SCRIPT,
    import_parsl,
    launch_initial_blocks_at_start,
)

#: Layers that can be turned off with ``CHILTEPIN_STARTUP_OFF``.
LAYERS = ("interchange-standby", "pool-standby", "forkserver", "initial-blocks")
LAYERS_OFF = "CHILTEPIN_STARTUP_OFF"


def parsl_extras(resources: Mapping[str, ResolvedResource], manager: Any, options: Mapping[str, Any]) -> set[str]:
    """The optional packages Parsl's modules must import for a workflow: Globus Compute's SDK when
    a backend comes from a plugin (core's own never use it), sqlalchemy with ``monitoring``."""
    extras = {MONITORING_DB} if options.get("monitoring") else set()
    if any(not manager.owner("executor_backends", r.backend).builtin for r in resources.values()):
        extras.add(GLOBUS_COMPUTE)
    return extras


class Standby:
    """One process started ahead of time, waiting at a socket for its feed."""

    def __init__(self, socket: str, kind: str, log: str | None):
        self.socket, self.kind = socket, kind
        # A pool's forkserver starts before the pool is handed its block's output files, so it and
        # the workers it forks write to ``log``; an interchange writes where Parsl's would.
        output = open(log, "ab") if log else None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", handoff.__name__, "serve", kind, socket, str(os.getpid())],
                start_new_session=True, stdout=output, stderr=output)
        finally:
            if output is not None:
                output.close()

    @property
    def waiting(self) -> bool:
        """Still waiting for its feed (it removes its socket when fed)."""
        return self.process.poll() is None and os.path.exists(self.socket)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Startup:
    """Standbys for one workflow start, and the rewriting of its executors' launch commands.

    Interchanges and pools start in :meth:`prepare`, to import alongside the workflow (an
    interchange imports only what it runs, so the three share two cores well). Pool standbys
    log to ``<run_dir>/standby-pools/<resource>.log``.
    """

    def __init__(self, run_dir: str, layers_off: str | None = None):
        off = os.environ.get(LAYERS_OFF, "") if layers_off is None else layers_off
        self.layers = frozenset(LAYERS) - {layer.strip() for layer in off.split(",")}
        self.log_dir = os.path.join(run_dir, "standby-pools")
        self._directory: str | None = None
        self._interchanges: dict[str, Standby] = {}
        self._pools: dict[str, Standby] = {}
        self._taken: list[Standby] = []
        self._count = 0

    # -- before Parsl ----------------------------------------------------------------------

    def prepare(self, resources: Mapping[str, ResolvedResource], backends: Mapping[str, ExecutorBackend], *,
                needed: Collection[str] = OPTIONAL_IMPORTS) -> None:
        """Start an interchange standby for each resource whose backend runs blocks, note the
        first pool of ``htex`` resources whose provider runs locally, whose blocks need no
        environment lines (a standby pool cannot replay them) and start with the workflow, then
        import Parsl while the standbys start, without the optional packages of
        ``OPTIONAL_IMPORTS`` not ``needed``."""
        if "interchange-standby" in self.layers:
            for name, resource in resources.items():
                if backends[resource.backend].needs_provider:
                    self._interchanges[name] = Standby(self._socket("interchange"), "interchange", None)
        if "pool-standby" in self.layers:
            for name, r in resources.items():
                if r.backend == "htex" and r.runs_locally and not r.get("environment") and r.get("init_blocks"):
                    os.makedirs(self.log_dir, exist_ok=True)
                    self._pools[name] = Standby(self._socket("pool"), "pool", os.path.join(self.log_dir, f"{name}.log"))
        import_parsl(needed)

    def _socket(self, kind: str) -> str:
        if self._directory is None:
            self._directory = tempfile.mkdtemp(prefix="chiltepin-standby-")
        self._count += 1
        return os.path.join(self._directory, f"{kind}{self._count}.sock")

    # -- after each executor is built ----------------------------------------------------------

    def apply(self, executor: Any, resource: ResolvedResource) -> Any:
        """Point a Parsl HTEX (or derived) executor at this start-up, in place; returns it.

        Its interchange is fed to a standby when there is one, and otherwise runs with this
        interpreter. On a provider that runs locally (``localhost``, or a plugin's with
        ``runs_locally``), a pool command that runs Parsl's pool (its script, or a module run
        with ``python -m``) starts through :mod:`.pool` with this interpreter, so a
        workflow also runs from a virtual environment that is not activated. Commands a backend
        chose otherwise are left as they are.
        """
        from parsl.executors.high_throughput.executor import DEFAULT_INTERCHANGE_LAUNCH_CMD, HighThroughputExecutor

        if not isinstance(executor, HighThroughputExecutor):
            return executor
        if "initial-blocks" in self.layers:
            launch_initial_blocks_at_start(executor)
        if list(executor.interchange_launch_cmd) == DEFAULT_INTERCHANGE_LAUNCH_CMD:
            standby = self._take(self._interchanges, resource.name)
            executor.interchange_launch_cmd = (
                [sys.executable, "-m", handoff.__name__, "feed", standby.socket] if standby
                else [sys.executable, "-m", handoff.__name__, "detached", INTERCHANGE_MODULE])
        if resource.runs_locally:
            command = self._pool_command(executor.launch_cmd, resource.name)
            if command is not None:
                executor.launch_cmd = command
        return executor

    def _take(self, standbys: dict[str, Standby], name: str) -> Standby | None:
        standby = standbys.pop(name, None)
        if standby is None or standby.process.poll() is not None:
            return None
        self._taken.append(standby)
        return standby

    def _pool_command(self, launch_cmd: str, name: str) -> str | None:
        program, _, arguments = launch_cmd.partition(" ")
        if program == POOL_SCRIPT:
            module = POOL_MODULE
        else:
            words = launch_cmd.split(" ", 3)
            if len(words) < 3 or words[1] != "-m" or not os.path.basename(words[0]).startswith("python"):
                return None
            module, arguments = words[2], words[3] if len(words) > 3 else ""
        if "forkserver" not in self.layers:
            return f"{sys.executable} -m {module} {arguments}"
        options = "" if module == POOL_MODULE else f" {pool.MODULE} {shlex.quote(module)}"
        standby = self._take(self._pools, name) if module == POOL_MODULE else None
        if standby is not None:
            options += f" {pool.STANDBY} {shlex.quote(standby.socket)}"
        return f"{sys.executable} -m {pool.__name__}{options} {arguments}"

    # -- after Parsl loaded the executors ------------------------------------------------------

    def started(self) -> None:
        """Stop the standbys no executor took."""
        for standby in [*self._interchanges.values(), *self._pools.values()]:
            standby.stop()
        self._interchanges.clear()
        self._pools.clear()

    def close(self, everything: bool = False) -> None:
        """Stop what was taken but never handed work (a block that never started), or with
        ``everything`` (a failed start) all standbys, and forget them. Fed processes otherwise
        belong to their executor's blocks and end with them."""
        self.started()
        for standby in self._taken:
            if everything or standby.waiting:
                standby.stop()
        self._taken.clear()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
