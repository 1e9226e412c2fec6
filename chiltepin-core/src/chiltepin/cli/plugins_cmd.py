"""``chiltepin plugins``: which plugins are installed, what they provide, and what failed."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import PluginError
from ..plugins.manager import PluginManager, get_plugin_manager
from ..plugins.records import RECORD_KINDS, Subcommand


def report(manager: PluginManager) -> dict[str, Any]:
    """Everything ``chiltepin plugins`` shows, as plain data (the ``--json`` output)."""
    provides: dict[str, dict[str, list[str]]] = {name: {} for name in manager.plugins}
    conflicts: list[str] = []
    for kind in RECORD_KINDS:
        try:
            records = manager.records(kind.name)
        except PluginError as exc:
            conflicts.append(str(exc))
            continue
        for name in records:
            provides[manager.owner(kind.name, name).name].setdefault(kind.name, []).append(name)
    return {
        "plugins": [{"name": info.name, "distribution": info.distribution, "version": info.version,
                     "module": info.module, "builtin": info.builtin, "hooks": list(info.hooks),
                     "provides": provides[info.name]}
                    for info in sorted(manager.plugins.values(), key=lambda i: (not i.builtin, i.name))],
        "failures": [{"name": f.name, "distribution": f.distribution, "version": f.version, "error": f.error}
                     for f in manager.failures],
        "skipped": sorted(manager.skipped),
        "conflicts": conflicts,
    }


def _text(data: dict[str, Any]) -> str:
    lines = []
    for plugin in data["plugins"]:
        dist = f"{plugin['distribution']} {plugin['version'] or ''}".strip() if plugin["distribution"] else "-"
        lines.append(f"{plugin['name']}: {dist}{' (built in)' if plugin['builtin'] else ''}")
        lines.append(f"  hooks: {', '.join(plugin['hooks']) or 'none'}")
        for kind in RECORD_KINDS:
            if plugin["provides"].get(kind.name):
                lines.append(f"  {kind.plural}: {', '.join(plugin['provides'][kind.name])}")
    if data["skipped"]:
        lines.append(f"skipped (disabled): {', '.join(data['skipped'])}")
    for failure in data["failures"]:
        dist = f"{failure['distribution']} {failure['version']}" if failure["distribution"] else "no distribution"
        lines.append(f"FAILED {failure['name']} ({dist}): {failure['error']}")
    for conflict in data["conflicts"]:
        lines.append("CONFLICT " + conflict.replace("\n", "\n  "))
    return "\n".join(lines)


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _run(args: argparse.Namespace) -> int:
    data = report(get_plugin_manager())
    print(json.dumps(data, indent=2) if args.json else _text(data))
    return 1 if data["conflicts"] else 0


COMMAND = Subcommand("plugins", "List installed plugins: distributions, versions, hooks, the names they provide, "
                     "and plugins that failed to load", _configure, _run)
