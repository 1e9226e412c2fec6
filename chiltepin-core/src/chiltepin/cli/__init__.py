"""The ``chiltepin`` command line: ``plugins``, ``config validate|show|schema|keys`` and the
subcommands plugins contribute through ``chiltepin_subcommands``."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
