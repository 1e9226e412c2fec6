"""The plugin author's test kit.

Fixtures (loaded into every pytest run by the ``pytest11`` entry point, see
:mod:`chiltepin.testing.fixtures`): ``chiltepin_plugin_manager`` and ``chiltepin_register_plugin``.
Contract classes that a plugin's own tests subclass (:mod:`chiltepin.testing.contracts`):
:class:`ResourceProviderContract`, :class:`LauncherContract`, :class:`TransferProviderContract`,
:class:`SiteContract`. Importing this package is cheap; the contracts load on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LauncherContract", "ResourceProviderContract", "SiteContract", "TransferProviderContract"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import contracts

        return getattr(contracts, name)
    raise AttributeError(f"module 'chiltepin.testing' has no attribute {name!r}")
