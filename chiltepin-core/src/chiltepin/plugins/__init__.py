"""Everything a plugin author imports: the hook marker, the records and the settings types."""

import pluggy

from ..settings import AnyOf, Bool, Choice, Float, Int, Mapping_, Setting, SettingType, Str, StrList
from .manager import PluginFailure, PluginInfo, PluginManager, PluginWarning, get_plugin_manager, set_plugin_manager
from .records import (
    ConfigBlock,
    ExecutorBackend,
    LauncherSpec,
    ResolvedResource,
    ResourceProvider,
    Site,
    Subcommand,
    Transferer,
    TransferProvider,
)

hookimpl = pluggy.HookimplMarker("chiltepin")

__all__ = [
    "AnyOf", "Bool", "Choice", "ConfigBlock", "ExecutorBackend", "Float", "Int", "LauncherSpec", "Mapping_",
    "PluginFailure", "PluginInfo", "PluginManager", "PluginWarning", "ResolvedResource", "ResourceProvider", "Setting",
    "SettingType", "Site", "Str", "StrList", "Subcommand", "TransferProvider", "Transferer", "get_plugin_manager",
    "hookimpl", "set_plugin_manager",
]
