"""Everything a plugin imports, and the only core module it needs (besides the public API:
``chiltepin``, ``chiltepin.tasks``, ``chiltepin.data``, ``chiltepin.testing``).

The hook marker ``hookimpl``; the records hooks return; the settings types; the helpers shared
by providers and backends (``BLOCK_SETTINGS``, ``HTEX_SETTINGS``, ``block_kwargs``,
``htex_kwargs``, ``worker_init``, ``did_you_mean``); the error types; and
``get_plugin_manager()`` for lookups and chained decide hooks
(``get_plugin_manager().translate_geometry(..., after=this_plugin)``). Other modules of
``chiltepin`` are core internals and may change in any release.
"""

import pluggy

from ..errors import ChiltepinError, ConfigError, PluginError, TransferError, did_you_mean
from ..settings import AnyOf, Bool, Choice, Float, Int, Mapping_, Setting, SettingType, Str, StrList
from .common import BLOCK_SETTINGS, HTEX_SETTINGS, block_kwargs, htex_kwargs, worker_init
from .manager import PluginFailure as PluginFailure  # noqa: F401 (core and tests, not the plugin API)
from .manager import PluginInfo as PluginInfo  # noqa: F401
from .manager import PluginManager as PluginManager  # noqa: F401
from .manager import PluginWarning, get_plugin_manager
from .manager import set_plugin_manager as set_plugin_manager  # noqa: F401
from .records import (
    ConfigBlock,
    ExecutorBackend,
    LauncherSpec,
    MPILauncher,
    ResolvedResource,
    ResourceProvider,
    Site,
    Subcommand,
    Transferer,
    TransferProvider,
)

hookimpl = pluggy.HookimplMarker("chiltepin")

__all__ = [
    "BLOCK_SETTINGS", "HTEX_SETTINGS", "AnyOf", "Bool", "ChiltepinError", "Choice", "ConfigBlock",
    "ConfigError", "ExecutorBackend",
    "Float", "Int", "LauncherSpec", "MPILauncher", "Mapping_", "PluginError", "PluginWarning", "ResolvedResource",
    "ResourceProvider", "Setting", "SettingType", "Site", "Str", "StrList", "Subcommand", "TransferError",
    "TransferProvider", "Transferer", "block_kwargs", "did_you_mean", "get_plugin_manager", "hookimpl",
    "htex_kwargs", "worker_init",
]
