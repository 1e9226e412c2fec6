"""Optional libraries of the run pictures and pages, imported on first use with a clear message."""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import ChiltepinError

EXTRA = "pip install 'chiltepin-core[report]'"


class MissingLibrary(ChiltepinError):
    """An optional library (or program) a command needs is not installed."""


def need(module: str, command: str) -> Any:
    """Import ``module`` for ``command``, or say what to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingLibrary(f"{command} needs the Python package '{module.split('.')[0]}'; install it with "
                             f"{EXTRA}") from None
