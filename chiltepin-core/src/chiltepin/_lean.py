"""Import Parsl in chiltepin's helper processes without the optional SDKs Parsl loads eagerly.

``parsl.executors`` imports ``globus_compute_sdk`` whenever it is installed (about 0.45 s), in
every process that imports Parsl. The interchange and the worker pool never use it, so their
Parsl import sees it as absent; afterwards it is importable again (tasks may use it).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

UNUSED_BY_HELPERS = ("globus_compute_sdk",)


def import_lean(module: str) -> ModuleType:
    """Import ``module`` (a Parsl module) with the SDKs of ``UNUSED_BY_HELPERS`` masked."""
    masked = [name for name in UNUSED_BY_HELPERS if name not in sys.modules]
    for name in masked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        return importlib.import_module(module)
    finally:
        for name in masked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
