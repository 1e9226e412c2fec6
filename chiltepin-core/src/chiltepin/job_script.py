"""Preview the batch script a block of a resource would submit, without submitting anything.

The resource's executor and provider are built as a workflow builds them; the executor composes
its worker command and the provider writes its job script as for block 0, but the submission
command (``sbatch``, ``qsub``, ...) is intercepted before it runs. What is known only once a run
starts appears as a placeholder: :data:`RUN` for the run directory's number (``000``),
:data:`PORT` for the port workers connect to, :data:`TIME` for the submission time Parsl adds
to the job name.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

from .config import build_executor
from .errors import ConfigError
from .plugins.manager import PluginManager
from .plugins.records import ResolvedResource

RUN = "<run>"
PORT = "<port>"
TIME = "<time>"


class _Intercepted(Exception):
    """Raised instead of running the submission command."""


def _intercept(cmd: str, timeout: float | None = None) -> tuple[int, str, str]:
    raise _Intercepted(cmd)


def job_script(resource: ResolvedResource, manager: PluginManager, run_dir: str) -> str:
    """The job script of the first block of ``resource`` in a run under ``run_dir``."""
    if resource.provider is None or resource.runs_locally:
        where = ("has no provider (its blocks run elsewhere)" if resource.provider is None
                 else f"is on provider '{resource.provider}', which starts its blocks as processes on this machine")
        raise ConfigError(f"{resource.name}: the resource {where}, so it submits no job script; job scripts "
                          f"come from batch providers such as slurm and pbspro")
    executor = build_executor(resource, manager)
    provider: Any = executor.provider
    executor.run_dir = os.path.join(run_dir, RUN)
    executor.worker_port = PORT
    executor.logconf_path = None
    if executor.encrypted:
        executor.cert_dir = os.path.join(executor.logdir, "certificates")
    executor.initialize_scaling()
    command = executor._get_launch_command("0")
    with tempfile.TemporaryDirectory(prefix="chiltepin-job-script-") as scratch:
        provider.script_dir = scratch
        provider.execute_wait = _intercept
        try:
            provider.submit(command, 1, f"parsl.{resource.name}.block-0")
        except _Intercepted:
            pass
        written = [name for name in os.listdir(scratch) if not name.endswith((".stdout", ".stderr"))]
        if len(written) != 1:
            raise ConfigError(f"{resource.name}: provider '{resource.provider}' did not write one job script "
                              f"(found {sorted(written) or 'none'}), so there is nothing to preview")
        script = open(os.path.join(scratch, written[0])).read()
    stamp = written[0].rsplit(".block-0.", 1)[-1]
    final_dir = os.path.abspath(os.path.join(run_dir, RUN, "submit_scripts"))
    script = script.replace(scratch, final_dir)
    return script.replace(f".block-0.{stamp}", f".block-0.{TIME}") if stamp != written[0] else script
