"""``chiltepin config validate|show|schema|keys``: check, resolve and describe configuration files."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..config import build_executor, load_document, resolve_options
from ..config.document import ConfigDocument
from ..config.resolve import resolve_each
from ..data.endpoints import check_declarations
from ..errors import ConfigError
from ..plugins.manager import PluginManager, get_plugin_manager
from ..plugins.records import RECORD_KINDS, ResolvedResource, Site, Subcommand
from .reference import config_schema, describe, sections


def resolve_document(document: ConfigDocument, manager: PluginManager) -> dict[str, Any]:
    """Resolve everything a workflow would (options, resources and their executors, endpoints),
    collecting every problem of every part into one ConfigError: every resource that resolves
    is also built, even when another resource has problems."""
    problems: list[str] = []
    resolved: dict[str, Any] = {"workflow": {}, "resources": {}, "transfer_endpoints": {}}
    resolved["resources"], problems = resolve_each(document, manager, list(document.resources))
    steps = (("workflow", lambda: resolve_options(document.workflow, {})),
             ("transfer_endpoints", lambda: check_declarations(document.transfer_endpoints, manager)))
    for key, step in steps:
        try:
            resolved[key] = step()
        except ConfigError as exc:
            problems.extend(exc.problems)
    for resource in resolved["resources"].values():
        try:
            build_executor(resource, manager)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return resolved


def _summary(resource: ResolvedResource) -> str:
    parts = [resource.backend]
    if resource.provider:
        parts.append(f"on {resource.provider}")
    if resource.launcher:
        parts.append(f"via {resource.launcher}")
    if resource.site:
        parts.append(f"(site {resource.site})")
    return f"{resource.name}: {' '.join(parts)}"


def _validate(args: argparse.Namespace) -> int:
    document = load_document(args.file)
    try:
        resolved = resolve_document(document, get_plugin_manager())
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"chiltepin: error: {problem}", file=sys.stderr)
        count = len(exc.problems)
        print(f"{args.file}: not valid ({count} problem{'s' if count != 1 else ''})", file=sys.stderr)
        return 1
    resources, endpoints = resolved["resources"], resolved["transfer_endpoints"]
    print(f"{args.file}: valid: {len(resources)} resource{'s' if len(resources) != 1 else ''}, "
          f"{len(endpoints)} transfer endpoint{'s' if len(endpoints) != 1 else ''}")
    for resource in resources.values():
        print(f"  {_summary(resource)}")
    for endpoint in endpoints.values():
        print(f"  {endpoint.name}: transfer endpoint on {endpoint.provider}")
    return 0


def _show(args: argparse.Namespace) -> int:
    import yaml

    if args.job_script is not None:
        return _job_script(args)
    if args.file is None:
        raise ConfigError("config show: give the configuration FILE to show")
    document = load_document(args.file)
    resolved = resolve_document(document, get_plugin_manager())
    out: dict[str, Any] = {"workflow": resolved["workflow"]}
    for name, resource in resolved["resources"].items():
        keys = {"executor": resource.backend, "provider": resource.provider, "launcher": resource.launcher}
        out[name] = {**{k: v for k, v in keys.items() if v is not None},
                     **{k: v for k, v in resource.options.items() if k not in keys and k != "extends"}}
    if resolved["transfer_endpoints"]:
        out["transfer_endpoints"] = {e.name: {"provider": e.provider, **e.settings}
                                     for e in resolved["transfer_endpoints"].values()}
    sites = [f"# {r.name}: from site preset {document.resources[r.name]['extends']} (site {r.site})"
             for r in resolved["resources"].values() if r.site]
    header = [f"# {args.file}, resolved: site presets applied, defaults filled in"] + sites
    print("\n".join(header))
    print(yaml.safe_dump(out, sort_keys=False, default_flow_style=False), end="")
    return 0


def _job_script(args: argparse.Namespace) -> int:
    from ..workflow import Workflow

    print(Workflow(args.file).job_script(args.job_script), end="")
    return 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(config_schema(get_plugin_manager()), indent=2))
    return 0


def _site_presets(site: Site, distribution: str | None) -> None:
    """Print a site's presets and what each sets."""
    print(f"{site.name}: site{f' ({distribution})' if distribution else ''}")
    if site.description:
        print(f"  {site.description}")
    for line in site.environment:
        print(f"  environment (every preset, first): {line}")
    for key, value in site.defaults.items():
        print(f"  default (every preset): {key}: {json.dumps(value)}")
    for preset in sorted(site.presets):
        print(f"  preset {preset} (extends: {site.name}:{preset})")
        for key, value in site.presets[preset].items():
            print(f"    {key}: {json.dumps(value)}")
    print()


def _keys(args: argparse.Namespace) -> int:
    manager = get_plugin_manager()
    sites = manager.records("sites")
    if args.name in sites or args.name == "sites":
        for name in [args.name] if args.name in sites else sites:
            _site_presets(sites[name], manager.owner("sites", name).distribution)
        return 0
    shown = [s for s in sections(manager) if args.name in (None, s.name, s.kind)]
    if not shown:
        raise ConfigError(f"no provider, backend, launcher, transfer provider or site named '{args.name}' is "
                          f"installed (see `chiltepin plugins`)")
    for section in shown:
        origin = f" ({section.distribution})" if section.distribution else ""
        print(f"{section.title}{origin}")
        if section.description:
            print(f"  {section.description}")
        for setting in section.settings:
            print(f"  {setting.name} ({describe(setting)}): {setting.help}")
        print()
    return 0


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    validate = actions.add_parser("validate", help="check a configuration file and report every problem at once")
    validate.add_argument("file", metavar="FILE", help="YAML configuration file")
    validate.set_defaults(run=_validate)
    show = actions.add_parser("show", help="print the resolved configuration (site presets applied, defaults "
                              "filled in) as YAML")
    show.add_argument("file", metavar="FILE", nargs="?", help="YAML configuration file (with --job-script: "
                      "optional, default only the built-in local resource)")
    show.add_argument("--job-script", metavar="RESOURCE", help="print the batch script a block of RESOURCE "
                      "would submit, without submitting it (<run>, <port>, <time> stand for run-specific values)")
    show.set_defaults(run=_show)
    schema = actions.add_parser("schema", help="print a JSON Schema of every key of every installed plugin, for "
                                "editor completion")
    schema.set_defaults(run=_schema)
    keys = actions.add_parser("keys", help="list configuration keys with their types, defaults and help")
    kinds = ", ".join(["core", "workflow"] + [kind.keys for kind in RECORD_KINDS if kind.keys])
    keys.add_argument("name", nargs="?", help=f"only this provider/backend/launcher/transfer provider, a kind "
                      f"({kinds}), a site (its presets and what they set), or 'sites' (every site)")
    keys.set_defaults(run=_keys)


COMMAND = Subcommand("config", "Validate, show and describe configuration files", _configure,
                     lambda args: args.run(args))
