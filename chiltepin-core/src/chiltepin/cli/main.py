"""Argument parsing, mounting plugin subcommands, and turning user errors into one-line messages."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import ChiltepinError, ConfigError
from ..plugins.manager import PluginManager, get_plugin_manager
from . import config_cmd, dag_cmd, dashboard_cmd, plugins_cmd, report_cmd, status_cmd

PROG = "chiltepin"
#: Core's own commands: (name, help, configure_parser, run).
CORE_COMMANDS = (plugins_cmd.COMMAND, config_cmd.COMMAND, status_cmd.COMMAND, dag_cmd.COMMAND, report_cmd.COMMAND,
                 dashboard_cmd.COMMAND)


def _version() -> str:
    from .. import __version__

    return f"{PROG} {__version__} (chiltepin-core)"


def build_parser(manager: PluginManager) -> argparse.ArgumentParser:
    """The full parser: core commands plus every plugin subcommand that does not clash with them;
    plugin problems that leave the core commands working are printed as warnings."""
    parser = argparse.ArgumentParser(prog=PROG, description="Chiltepin: workflows on laptops, HPC clusters and "
                                     "remote centres, extended by plugins.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in CORE_COMMANDS:
        sub = commands.add_parser(command.name, help=command.help, description=command.help)
        command.configure_parser(sub)
        sub.set_defaults(run=command.run)
    try:
        contributed = manager.records("subcommands")
    except ChiltepinError as exc:  # conflicting plugins must not take the core commands down
        contributed = {}
        _warn(str(exc).replace("\n", " "))
    core_names = {c.name for c in CORE_COMMANDS}
    for name, command in contributed.items():
        if name in core_names:
            owner = manager.owner("subcommands", name)
            _warn(f"plugin {owner.label} provides subcommand '{name}', which is a core command; it is ignored")
            continue
        sub = commands.add_parser(name, help=command.help, description=command.help)
        command.configure_parser(sub)
        sub.set_defaults(run=command.run)
    return parser


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _error(message: str) -> None:
    for line in message.splitlines() or [""]:
        print(f"{PROG}: error: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 1 failure, 2 usage)."""
    try:
        parser = build_parser(get_plugin_manager())
    except ChiltepinError as exc:
        _error(str(exc))
        return 1
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(run(args) or 0)
    except ConfigError as exc:
        for problem in exc.problems:
            _error(problem)
        return 1
    except ChiltepinError as exc:
        _error(str(exc))
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`, which exited
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
