"""``chiltepin login``/``logout`` with the real globus-sdk UserApp and ClientApp against the loopback
Auth stand-in (the user's browser visit is done by fetching the printed authorize URL), and
``chiltepin endpoint`` with the real globus-compute-endpoint library (configure, list, the
template's schema rejecting bad values)."""

from __future__ import annotations

import pytest

pytest.importorskip("chiltepin_globus", reason="chiltepin-globus is not installed (pip install -e ./chiltepin-globus)")

import argparse
import json
import os
import re
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import yaml
from chiltepin.plugins import get_plugin_manager
from chiltepin_globus import endpoint as endpoints
from chiltepin_globus.settings import TEMPLATE_VARIABLES
from globus_sdk.token_storage import JSONTokenStorage

pytestmark = pytest.mark.globus


def _parse(command: str, *argv: str) -> tuple[argparse.Namespace, object]:
    """Build the command's parser from its Subcommand record, as the chiltepin CLI does."""
    record = get_plugin_manager().records("subcommands")[command]
    parser = argparse.ArgumentParser(prog=f"chiltepin {command}")
    record.configure_parser(parser)
    return parser.parse_args(list(argv)), record


def _run(*argv: str) -> int:
    """Run ``chiltepin ARGV`` through core's command line, which mounts the plugin's subcommands."""
    from chiltepin.cli import main

    return main(list(argv))


@pytest.fixture
def browser(monkeypatch, capsys):
    """Stands in for the user: reads the authorize URL the login printed, 'visits' it on the Auth
    stand-in, and types the code it returns at the prompt."""
    visited = []

    def type_code(prompt: str = "") -> str:
        printed = capsys.readouterr().out
        url = re.search(r"http://127\.0\.0\.1:\d+/v2/oauth2/authorize\S+", printed).group(0)
        visited.append(url)
        with urllib.request.urlopen(url) as page:
            return json.load(page)["code"]

    monkeypatch.setattr("builtins.input", type_code)
    return visited


def test_login_stores_private_tokens_and_logout_revokes_and_removes_them(globus_env, transfer_service, browser,
                                                                          capsys):
    assert _run("login") == 0
    assert len(browser) == 1 and "transfer.api.globus.org%3Aall" in browser[0]
    assert stat.S_IMODE(os.stat(globus_env).st_mode) == 0o600
    stored = JSONTokenStorage(globus_env).get_token_data_by_resource_server()
    assert {"transfer.api.globus.org", "funcx_service", "auth.globus.org"} <= set(stored)
    assert stored["transfer.api.globus.org"].access_token in transfer_service.valid_tokens
    assert stored["auth.globus.org"].identity_id == transfer_service.identity  # from the signed id_token
    assert "Logged in" in capsys.readouterr().out

    assert _run("login") == 0  # valid tokens: no second login flow
    assert len(browser) == 1 and "Already logged in" in capsys.readouterr().out

    assert _run("logout") == 0
    assert not globus_env.exists()
    assert stored["transfer.api.globus.org"].access_token in transfer_service.revoked
    assert stored["transfer.api.globus.org"].refresh_token in transfer_service.revoked


def test_login_without_a_terminal_says_so(globus_env, monkeypatch, capsys):
    def no_terminal(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    assert _run("login") == 1
    assert "needs a terminal" in capsys.readouterr().err
    assert not globus_env.exists()


def test_a_service_client_logs_in_without_interaction_and_leaves_the_environment_alone(globus_env, monkeypatch,
                                                                                        transfer_service):
    monkeypatch.setenv("GLOBUS_COMPUTE_CLIENT_ID", "5b0a4a8e-3c2f-4b7e-9d1a-6f2e8c9d0a11")
    monkeypatch.setenv("GLOBUS_COMPUTE_CLIENT_SECRET", "s3cret")
    before = dict(os.environ)
    monkeypatch.setattr("builtins.input", lambda prompt="": pytest.fail("a service client must not prompt"))
    assert _run("login") == 0
    assert dict(os.environ) == before
    stored = JSONTokenStorage(globus_env).get_token_data_by_resource_server()
    assert stored["transfer.api.globus.org"].access_token in transfer_service.valid_tokens
    assert stat.S_IMODE(os.stat(globus_env).st_mode) == 0o600


def test_the_installed_command_refuses_to_prompt_without_a_terminal(globus_env):
    """The console script, stdin closed (as in a batch job): no prompt, no traceback."""
    done = subprocess.run([str(Path(sys.executable).with_name("chiltepin")), "login"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "needs a terminal" in done.stderr and "Traceback" not in done.stderr


def test_half_a_service_client_is_an_error(globus_env, monkeypatch, capsys):
    monkeypatch.setenv("GLOBUS_COMPUTE_CLIENT_ID", "5b0a4a8e-3c2f-4b7e-9d1a-6f2e8c9d0a11")
    assert _run("login") == 1
    assert "GLOBUS_COMPUTE_CLIENT_SECRET is not set" in capsys.readouterr().err


def test_endpoint_parser_takes_config_dir_and_timeouts():
    args, _ = _parse("endpoint", "-c", "/tmp/eps", "start", "ep1", "--timeout", "5")
    assert (args.config, args.action, args.name, args.timeout) == ("/tmp/eps", "start", "ep1", 5.0)
    with pytest.raises(SystemExit):
        _parse("endpoint")  # an action is required, with usage instead of a traceback


def test_configure_writes_chiltepin_template_and_schema_and_list_shows_it(tmp_path, capsys):
    assert _run("endpoint", "-c", str(tmp_path), "configure", "hpc") == 0
    directory = tmp_path / "hpc"
    assert (directory / "config.yaml").exists()
    schema = json.loads((directory / "user_config_schema.json").read_text())
    assert set(schema["properties"]) == set(TEMPLATE_VARIABLES)
    assert "chiltepin" in (directory / "user_config_template.yaml.j2").read_text()
    environment = yaml.safe_load((directory / "user_environment.yaml").read_text())
    assert environment["PATH"].split(":")[0] == str(Path(sys.executable).parent)
    capsys.readouterr()
    assert _run("endpoint", "-c", str(tmp_path), "list") == 0
    assert re.search(r"^hpc\s+Initialized", capsys.readouterr().out, re.M)
    assert _run("endpoint", "-c", str(tmp_path), "configure", "hpc") == 1
    assert "already configured" in capsys.readouterr().err
    assert _run("endpoint", "-c", str(tmp_path), "stop", "hpc", "--timeout", "5") == 0  # not running: nothing to do
    assert "'hpc' is stopped" in capsys.readouterr().out


def test_unknown_endpoints_are_named(tmp_path, capsys):
    assert _run("endpoint", "-c", str(tmp_path), "start", "nope", "--timeout", "1") == 1
    assert "endpoint 'nope' is not configured" in capsys.readouterr().err
    assert _run("endpoint", "-c", str(tmp_path), "list") == 0
    assert "No endpoints are configured" in capsys.readouterr().out


def _render(directory: Path, options: dict):
    """Render the endpoint's template exactly as the endpoint does before starting a user endpoint,
    and check the result is a configuration the endpoint accepts (it builds the engine from it)."""
    import pwd

    from globus_compute_endpoint.endpoint.config.utils import (
        load_config_yaml,
        load_user_config_schema,
        render_config_user_template,
    )
    from globus_compute_endpoint.endpoint.identity_mapper import MappedPosixIdentity

    identity = MappedPosixIdentity(pwd.getpwuid(os.getuid()), [], "someone@example.org")
    text = render_config_user_template(
        parent_config=None, user_config_template=(directory / endpoints.TEMPLATE_NAME).read_text(),
        user_config_template_path=directory / endpoints.TEMPLATE_NAME, mapped_identity=identity,
        user_config_schema=load_user_config_schema(directory / endpoints.SCHEMA_NAME), user_opts=options)
    engine = load_config_yaml(text).engine
    data = yaml.safe_load(text)
    assert type(engine).__name__ == data["engine"]["type"]
    assert type(engine.executor.provider).__name__ == data["engine"]["provider"]["type"]
    return data


def test_the_template_renders_resource_options_and_the_schema_rejects_bad_values(tmp_path):
    import jsonschema
    from chiltepin_globus.settings import endpoint_config

    endpoints.configure("hpc", tmp_path)
    options = endpoint_config({"provider": "slurm", "partition": "debug", "queue": "normal", "account": "proj",
                               "walltime": "01:00:00", "nodes_per_block": 2, "cores_per_node": 8,
                               "environment": ["module load gcc", "export X=1"], "max_workers_per_node": 3,
                               "cores_per_worker": 2.0, "exclusive": False})
    config = _render(tmp_path / "hpc", options)
    provider = config["engine"]["provider"]
    assert config["engine"]["type"] == "GlobusComputeEngine"
    assert (config["engine"]["max_workers_per_node"], config["engine"]["cores_per_worker"]) == (3, 2.0)
    assert (provider["type"], provider["partition"], provider["qos"], provider["account"]) == \
        ("SlurmProvider", "debug", "normal", "proj")
    assert (provider["walltime"], provider["nodes_per_block"], provider["exclusive"]) == ("01:00:00", 2, False)
    assert provider["worker_init"] == "module load gcc\nexport X=1"
    mpi = _render(tmp_path / "hpc", {"provider": "pbspro", "mpi": True, "max_mpi_apps": 2})
    assert (mpi["engine"]["type"], mpi["engine"]["mpi_launcher"], mpi["engine"]["max_workers_per_block"]) == \
        ("GlobusMPIEngine", "mpiexec", 2)
    assert mpi["engine"]["provider"]["type"] == "PBSProProvider"
    local = _render(tmp_path / "hpc", {})
    assert local["engine"]["provider"]["type"] == "LocalProvider"

    with pytest.raises(jsonschema.ValidationError, match="'lsf' is not one of"):
        _render(tmp_path / "hpc", {"provider": "lsf"})
    with pytest.raises(jsonschema.ValidationError, match="Additional properties are not allowed .'partiton'"):
        _render(tmp_path / "hpc", {"partiton": "debug"})
    with pytest.raises(jsonschema.ValidationError, match="does not match"):
        _render(tmp_path / "hpc", {"walltime": "forever"})


def test_without_the_endpoint_extra_the_commands_say_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "globus_compute_endpoint.endpoint.endpoint", None)  # import fails
    assert _run("endpoint", "-c", str(tmp_path), "configure", "hpc") == 1
    assert "pip install 'chiltepin-globus[endpoint]'" in capsys.readouterr().err
    assert not (tmp_path / "hpc").exists()
