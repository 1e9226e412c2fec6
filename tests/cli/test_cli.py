"""The ``chiltepin`` command line, in process (main(argv)) and once through the installed script."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest
import yaml
from chiltepin.cli import main
from chiltepin.errors import ChiltepinError
from chiltepin.plugins import Int, ResourceProvider, Setting, Site, Str, Subcommand, TransferProvider, hookimpl


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, text, name="config.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, err = run(capsys)
    assert code == 2
    assert "usage: chiltepin" in err and "plugins" in err and "config" in err


def test_version(capsys):
    from chiltepin import __version__

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"chiltepin {__version__} (chiltepin-core)"


def test_plugins_lists_core_records(capsys, chiltepin_plugin_manager):
    code, out, _ = run(capsys, "plugins")
    assert code == 0
    assert "core: chiltepin-core" in out and "(built in)" in out
    assert "resource providers: localhost" in out
    assert "transfer providers: local" in out
    code, out, _ = run(capsys, "plugins", "--json")
    data = json.loads(out)
    core = next(p for p in data["plugins"] if p["name"] == "core")
    assert "htex" in core["provides"]["executor_backends"]
    assert core["provides"]["executor_backends"] == list(chiltepin_plugin_manager.records("executor_backends"))
    assert "chiltepin_transfer_providers" in core["hooks"]
    assert data["failures"] == [] and data["conflicts"] == []


def test_plugins_reports_failures_and_conflicts(capsys, chiltepin_register_plugin):
    class Broken:
        @hookimpl
        def chiltepin_sites(self):
            raise RuntimeError("presets.yaml missing")

    class Duplicate:
        @hookimpl
        def chiltepin_transfer_providers(self):
            return [TransferProvider(name="local", build=object, description="second local")]

    chiltepin_register_plugin(Broken(), "broken", distribution="chiltepin-site-broken", version="1.0")
    chiltepin_register_plugin(Duplicate(), "dup", distribution="chiltepin-dup", version="2.0")
    with pytest.warns(UserWarning, match="presets.yaml missing"):
        code, out, _ = run(capsys, "plugins")
    assert code == 1
    assert "FAILED broken (chiltepin-site-broken 1.0): chiltepin_sites() raised RuntimeError: presets.yaml missing" \
        in out
    assert "CONFLICT Conflicting transfer providers found:" in out
    conflict = next(line for line in out.splitlines() if "'local' provided by:" in line)
    assert "'dup' (chiltepin-dup 2.0)" in conflict and "'core' (chiltepin-core" in conflict


def _greeting(args):
    if args.name == "nobody":
        raise ChiltepinError("no such person 'nobody'")
    print(f"hello {args.name}")
    return 7


class Greeter:
    @hookimpl
    def chiltepin_subcommands(self):
        return [Subcommand("hello", "Say hello", lambda p: p.add_argument("--name", required=True), _greeting),
                Subcommand("config", "A clash with a core command", lambda p: None, lambda a: 0)]


def test_plugin_subcommands_are_mounted(capsys, chiltepin_register_plugin):
    chiltepin_register_plugin(Greeter(), "greeter", distribution="chiltepin-greeter")
    code, out, err = run(capsys, "hello", "--name", "ada")
    assert (code, out) == (7, "hello ada\n")
    assert "warning: plugin 'greeter' (chiltepin-greeter 0) provides subcommand 'config', which is a core " \
           "command; it is ignored" in err
    code, out, err = run(capsys, "hello", "--name", "nobody")
    assert code == 1
    assert err.splitlines()[-1] == "chiltepin: error: no such person 'nobody'"
    code, _, err = run(capsys)
    assert "Say hello" in err


BAD = """\
workflow:
  retrie: 2
compute:
  provider: localhost
  max_blocks: -1
  partiton: debug
service:
  cores_per_worker: lots
odd:
  extends: nowhere:compute
transfer_endpoints:
  scratch: {provider: local, pth: /tmp}
"""


def test_validate_reports_every_problem_at_once(capsys, tmp_path, chiltepin_plugin_manager):
    code, out, err = run(capsys, "config", "validate", write(tmp_path, BAD))
    assert code == 1
    lines = err.splitlines()
    for expected in ("workflow.retrie: unknown workflow option (did you mean 'retries'?)",
                     "compute.max_blocks: must be at least 0, got -1",
                     "compute.partiton: unknown key for provider 'localhost'",
                     "service.cores_per_worker: expected a number, got str 'lots'",
                     "odd.extends: site 'nowhere' is not available",
                     "transfer_endpoints.scratch.pth: unknown endpoint setting for transfer provider 'local'",
                     "transfer_endpoints.scratch.path: required by transfer provider 'local'"):
        assert any(line.startswith(f"chiltepin: error: {expected}") for line in lines), (expected, err)
    assert lines[-1].endswith("not valid (7 problems)")
    assert "Traceback" not in err


def test_validate_summarises_a_valid_file(capsys, tmp_path, chiltepin_plugin_manager):
    path = write(tmp_path, "compute:\n  max_blocks: 2\ntransfer_endpoints:\n  scratch: {provider: local, "
                           f"path: {tmp_path}}}\n")
    code, out, err = run(capsys, "config", "validate", path)
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{path}: valid: 2 resources, 1 transfer endpoint",
                                "  local: htex on localhost via single-node",
                                "  compute: htex on localhost via single-node",
                                "  scratch: transfer endpoint on local"]


@pytest.mark.parametrize(("text", "message"), [
    (None, "configuration file not found"),
    ("compute:\n  provider: [localhost\n", "YAML syntax error"),
    ("- a\n- b\n", "the top level must be a mapping"),
])
def test_unreadable_files_are_one_line_errors(capsys, tmp_path, text, message):
    path = str(tmp_path / "missing.yaml") if text is None else write(tmp_path, text)
    code, out, err = run(capsys, "config", "show", path)
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith(f"chiltepin: error: {path}")
    assert message in err


class Centre:
    @hookimpl
    def chiltepin_sites(self):
        return [Site(name="ridge", description="A test centre", environment=["export RIDGE=1"],
                     defaults={"max_blocks": 3},
                     presets={"compute": {"provider": "localhost", "cores_per_worker": 2.0, "init_blocks": 1}})]


def test_show_applies_presets_and_defaults(capsys, tmp_path, chiltepin_register_plugin):
    chiltepin_register_plugin(Centre(), "site-ridge")
    path = write(tmp_path, "compute:\n  extends: ridge:compute\n  init_blocks: 0\n  environment: [module load x]\n")
    code, out, err = run(capsys, "config", "show", path)
    assert code == 0, err
    assert "# compute: from site preset ridge:compute" in out
    shown = yaml.safe_load(out)
    compute = shown["compute"]
    assert compute["cores_per_worker"] == 2.0          # from the preset
    assert compute["init_blocks"] == 0                  # the user's key wins
    assert compute["max_blocks"] == 3                   # the site's defaults
    assert compute["environment"] == ["export RIDGE=1", "module load x"]
    assert compute["heartbeat_period"] == 30            # a backend default
    assert (compute["executor"], compute["provider"], compute["launcher"]) == ("htex", "localhost", "single-node")
    assert "extends" not in compute
    assert shown["workflow"]["retries"] == 0


class Lsf:
    @hookimpl
    def chiltepin_resource_providers(self):
        return [ResourceProvider(name="lsf", build=None, description="test double",
                                 settings=(Setting("project", Str(), None, "LSF project to charge.", required=True),))]


def test_schema_describes_every_key_and_checks_configs(capsys, chiltepin_register_plugin):
    chiltepin_register_plugin(Lsf(), "lsf")
    chiltepin_register_plugin(Centre(), "site-ridge")
    code, out, _ = run(capsys, "config", "schema")
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    resource = schema["$defs"]["resource"]["properties"]
    lsf = next(c["then"] for c in schema["$defs"]["resource"]["allOf"]
               if c["if"]["properties"]["provider"]["const"] == "lsf")
    assert lsf["properties"]["project"]["description"] == "LSF project to charge."
    assert "project" not in resource
    localhost = next(c for c in schema["$defs"]["resource"]["allOf"]
                     if c["if"]["properties"]["provider"]["const"] == "localhost")
    assert "required" not in localhost["if"]  # the default provider
    assert localhost["then"]["properties"]["init_blocks"]["description"] == "Blocks started when the workflow starts."
    assert resource["provider"]["anyOf"][0]["enum"] == ["localhost", "lsf"]
    assert "ridge:compute" in resource["extends"]["anyOf"][0]["enum"]

    def errors(config):
        return sorted(e.message for e in validator.iter_errors(config))

    assert errors({"compute": {"provider": "lsf", "project": "p1"}, "local2": {"max_blocks": 2},
                   "workflow": {"retries": 1},
                   "transfer_endpoints": {"s": {"provider": "local", "path": "/scratch"}}}) == []
    assert errors({"compute": {"provider": "lsf"}}) == ["'project' is a required property"]
    # a key whose provider branch fails is also reported as not evaluated
    assert errors({"compute": {"max_blocks": "2"}}) == ["'2' is not of type 'integer'", "Unevaluated properties "
                                                        "are not allowed ('max_blocks' was unexpected)"]
    assert errors({"compute": {"partiton": "x"}}) == ["Unevaluated properties are not allowed ('partiton' was "
                                                      "unexpected)"]
    assert errors({"compute": {"project": "p1"}}) == ["Unevaluated properties are not allowed ('project' was "
                                                      "unexpected)"]
    assert errors({"transfer_endpoints": {"s": {"provider": "local"}}}) != []


def test_keys_lists_help_from_the_declarations(capsys, chiltepin_plugin_manager):
    code, out, _ = run(capsys, "config", "keys", "local")
    assert code == 0
    assert "local: transfer provider (endpoint settings) (chiltepin-core)" in out
    assert "  path (string, required): Root directory of the endpoint" in out
    code, out, err = run(capsys, "config", "keys", "lfs")
    assert code == 1
    assert err == "chiltepin: error: no provider, backend, launcher, transfer provider or site named 'lfs' is " \
                  "installed (see `chiltepin plugins`)\n"


SCRIPT = os.path.join(os.path.dirname(sys.executable), "chiltepin")


@pytest.mark.skipif(not os.path.exists(SCRIPT), reason=f"the chiltepin console script is not installed ({SCRIPT})")
def test_installed_script_gives_one_line_errors(tmp_path):
    done = subprocess.run([SCRIPT, "config", "validate", write(tmp_path, "a:\n  max_blocks: x\n")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "chiltepin: error: a.max_blocks: expected an integer, got str 'x'"
    assert "Traceback" not in done.stderr
    done = subprocess.run([SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "usage: chiltepin" in done.stderr


class Pbs2:
    @hookimpl
    def chiltepin_resource_providers(self):
        return [ResourceProvider(name="pbs2", build=None, description="test double",
                                 settings=(Setting("project", Int(minimum=1), 7, "PBS project number."),))]


def test_schema_keeps_same_named_keys_of_providers_apart(capsys, chiltepin_register_plugin):
    chiltepin_register_plugin(Lsf(), "lsf")
    chiltepin_register_plugin(Pbs2(), "pbs2")
    validator = jsonschema.Draft202012Validator(json.loads(run(capsys, "config", "schema")[1]))

    def errors(config):
        return sorted(e.message for e in validator.iter_errors(config))

    assert errors({"a": {"provider": "lsf", "project": "p1"}, "b": {"provider": "pbs2", "project": 3}}) == []
    assert errors({"a": {"provider": "pbs2", "project": "p1"}})[0] == "'p1' is not of type 'integer'"
    assert errors({"a": {"provider": "pbs2"}}) == []
    assert errors({"a": {"provider": "lsf", "project": 3}})[0] == "3 is not of type 'string'"


def test_keys_lists_a_sites_presets(capsys, chiltepin_register_plugin):
    chiltepin_register_plugin(Centre(), "site-ridge")
    code, out, _ = run(capsys, "config", "keys", "ridge")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "ridge: site (test-plugin)"
    assert "  preset compute (extends: ridge:compute)" in lines
    assert "    cores_per_worker: 2.0" in lines
    assert run(capsys, "config", "keys", "sites")[1] == out


class Breaks:
    @hookimpl
    def chiltepin_resource_providers(self):
        def build(resource, launcher):
            raise RuntimeError("cannot reach the scheduler")

        return [ResourceProvider(name="breaks", build=build, description="test double")]


def test_validate_builds_every_resolved_resource_in_one_run(capsys, tmp_path, chiltepin_register_plugin):
    chiltepin_register_plugin(Breaks(), "breaks", distribution="chiltepin-breaks", version="1.0")
    path = write(tmp_path, "bad:\n  max_blocks: x\nbuilt:\n  provider: breaks\n")
    code, _, err = run(capsys, "config", "validate", path)
    assert code == 1
    assert err.splitlines() == [
        "chiltepin: error: bad.max_blocks: expected an integer, got str 'x'",
        "chiltepin: error: built: resource provider 'breaks' from plugin 'breaks' (chiltepin-breaks 1.0) rejected "
        "the settings: RuntimeError: cannot reach the scheduler",
        f"{path}: not valid (2 problems)"]
