"""The plugin author's test kit.

Fixtures (load them with ``pytest_plugins = ["chiltepin.testing.fixtures"]`` in a conftest.py,
see :mod:`chiltepin.testing.fixtures`): ``chiltepin_worker_import_path``,
``chiltepin_plugin_manager`` and ``chiltepin_register_plugin``. Contract classes that a plugin's
own tests subclass (:mod:`chiltepin.testing.contracts`): :class:`ResourceProviderContract`,
:class:`LauncherContract`, :class:`MPILauncherContract`, :class:`ExecutorBackendContract`,
:class:`TransferProviderContract`, :class:`SiteContract`. Importing this package is cheap; the
contracts load on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ExecutorBackendContract", "LauncherContract", "MPILauncherContract", "ResourceProviderContract",
           "SiteContract", "TransferProviderContract"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import contracts

        return getattr(contracts, name)
    raise AttributeError(f"module 'chiltepin.testing' has no attribute {name!r}")
