"""Globus Compute endpoints on this machine: configure, list, start, stop and delete.

Needs ``globus-compute-endpoint`` (the ``endpoint`` extra, Linux only). ``configure`` writes
chiltepin's configuration template, whose variables are the options of a ``globus-compute``
resource, and a JSON schema for them (``user_config_schema.json``) so the endpoint refuses bad
values with a message.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from chiltepin.plugins import ChiltepinError

from .settings import template_schema

TEMPLATE_NAME = "user_config_template.yaml.j2"
SCHEMA_NAME = "user_config_schema.json"
ENVIRONMENT_NAME = "user_environment.yaml"


class EndpointError(ChiltepinError, RuntimeError):
    """An endpoint command failed; the message names the endpoint."""


def _endpoint_module() -> Any:
    if not sys.platform.startswith("linux"):
        raise EndpointError(f"managing Globus Compute endpoints needs Linux (this is {sys.platform}); run "
                            f"endpoints on the remote machine and use them from here by UUID")
    try:
        from globus_compute_endpoint.endpoint.endpoint import Endpoint
    except ImportError:
        raise EndpointError("managing endpoints needs globus-compute-endpoint: "
                            "pip install 'chiltepin-globus[endpoint]'") from None
    return Endpoint


def config_dir(value: str | os.PathLike | None = None) -> Path:
    """The endpoints' configuration directory (``-c/--config``; default ``~/.globus_compute``)."""
    return Path(value).expanduser() if value else Path.home() / ".globus_compute"


def template_text() -> str:
    return resources.files("chiltepin_globus").joinpath("templates").joinpath(TEMPLATE_NAME).read_text(encoding="utf-8")


def configure(name: str, directory: Path) -> Path:
    """Create endpoint ``name`` under ``directory`` with chiltepin's template and schema."""
    endpoint = _endpoint_module()
    target = directory / name
    if target.exists():
        raise EndpointError(f"endpoint '{name}' is already configured in {target}; delete it first or pick "
                            f"another name")
    directory.mkdir(parents=True, exist_ok=True)
    path = f"{os.path.dirname(sys.executable)}:{os.environ.get('PATH', '')}"
    with tempfile.TemporaryDirectory() as tmp:
        files = {TEMPLATE_NAME: template_text(), SCHEMA_NAME: json.dumps(template_schema(), indent=2) + "\n",
                 ENVIRONMENT_NAME: f"PATH: {json.dumps(path)}\n"}
        for file_name, text in files.items():
            Path(tmp, file_name).write_text(text, encoding="utf-8")
        endpoint.configure_endpoint(target, user_config_template=Path(tmp, TEMPLATE_NAME),
                                    user_config_schema=Path(tmp, SCHEMA_NAME),
                                    user_environment=Path(tmp, ENVIRONMENT_NAME), display_name=name)
    return target


def endpoints(directory: Path) -> dict[str, dict[str, Any]]:
    """Name -> {"status", "id"} of the endpoints configured under ``directory``."""
    if not directory.is_dir():
        return {}
    return _endpoint_module().get_endpoints(directory)


def _known(name: str, directory: Path) -> dict[str, Any]:
    found = endpoints(directory)
    if name not in found:
        from chiltepin.plugins import did_you_mean

        known = ", ".join(sorted(found)) or "none"
        raise EndpointError(f"endpoint '{name}' is not configured in {directory}{did_you_mean(name, found)} "
                            f"(configured: {known}); create it with `chiltepin endpoint configure {name}`")
    return found[name]


def _run_cli(directory: Path, *args: str, timeout: float | None = None) -> None:
    script = shutil.which("globus-compute-endpoint", path=f"{os.path.dirname(sys.executable)}:"
                                                             f"{os.environ.get('PATH', '')}")
    if script is None:
        raise EndpointError("the globus-compute-endpoint command is not installed: "
                            "pip install 'chiltepin-globus[endpoint]'")
    try:
        done = subprocess.run([script, "-c", str(directory), *args], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise EndpointError(f"`globus-compute-endpoint {' '.join(args)}` did not finish in {timeout:g} s") from None
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip().splitlines()
        raise EndpointError(f"`globus-compute-endpoint {' '.join(args)}` failed (exit {done.returncode}): "
                            + (output[-1] if output else "no output"))


def _wait_for(name: str, directory: Path, running: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (endpoints(directory).get(name, {}).get("status") == "Running") != running:
        if time.monotonic() > deadline:
            state = "start" if running else "stop"
            raise EndpointError(f"endpoint '{name}' did not {state} within {timeout:g} s; see its log in "
                                f"{directory / name}")
        time.sleep(1)


def start(name: str, directory: Path, timeout: float = 60) -> None:
    """Start endpoint ``name`` in the background and wait until it runs."""
    if _known(name, directory)["status"] == "Running":
        return
    _run_cli(directory, "start", name, "--detach", timeout=timeout)
    _wait_for(name, directory, True, timeout)


def stop(name: str, directory: Path, timeout: float = 60) -> None:
    """Stop endpoint ``name`` and wait until it has stopped."""
    if _known(name, directory)["status"] != "Running":
        return
    _run_cli(directory, "stop", name, timeout=timeout)
    _wait_for(name, directory, False, timeout)


def delete(name: str, directory: Path, timeout: float = 60) -> None:
    """Stop and delete endpoint ``name`` (locally and with the Compute service)."""
    _known(name, directory)
    _run_cli(directory, "delete", name, "--yes", timeout=timeout)
