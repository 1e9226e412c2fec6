"""Configuration: reading YAML, resolving resources through the plugin records, workflow options."""

from .document import DEFAULT_LOCAL, RESERVED_KEYS, ConfigDocument, load_document
from .options import WORKFLOW_SETTINGS, resolve_options
from .resolve import CORE_SETTINGS, PROVIDER_SETTINGS, build_executor, resolve_all, resolve_resource

__all__ = [
    "CORE_SETTINGS", "DEFAULT_LOCAL", "PROVIDER_SETTINGS", "RESERVED_KEYS", "WORKFLOW_SETTINGS", "ConfigDocument",
    "build_executor", "load_document", "resolve_all", "resolve_options", "resolve_resource",
]
