"""Which transfer provider serves an endpoint, and with which settings.

An endpoint name is resolved in this order:

1. ``provider=NAME`` given to the call: that provider serves every endpoint of the call. A
   ``transfer_endpoints:`` declaration of the same name supplies its settings (and must not
   name another provider).
2. The name is declared under ``transfer_endpoints:`` in the configuration (an explicit
   ``config=``, else the running workflow's): its ``provider:`` serves it.
3. Otherwise the single installed provider with ``resolves_names=True`` (chiltepin-globus's
   ``globus``, which looks names up itself) serves it.

Anything else is a :class:`~chiltepin.errors.TransferError` naming the endpoint. The result is
plain data (:class:`Endpoint`), so it can be shipped to a worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config.document import ConfigDocument, ConfigSource, load_document
from ..errors import ConfigError, PluginError, TransferError, did_you_mean
from ..plugins.manager import PluginManager, get_plugin_manager
from ..plugins.records import TransferProvider
from ..settings import check_values


@dataclass(frozen=True)
class Endpoint:
    """A resolved endpoint: its name, its provider's name and its checked settings.

    ``settings`` (with defaults filled in) plus ``name`` is the mapping the provider's
    ``transfer``/``delete`` receive for this endpoint.
    """

    name: str
    provider: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def as_mapping(self) -> dict[str, Any]:
        return {**self.settings, "name": self.name}


def endpoint_declarations(config: ConfigSource | ConfigDocument = None) -> dict[str, Any]:
    """The ``transfer_endpoints:`` of ``config``, or of the running workflow when config is None."""
    if isinstance(config, ConfigDocument):
        return config.transfer_endpoints
    if config is not None:
        return load_document(config).transfer_endpoints
    from ..workflow import active_workflow

    workflow = active_workflow()
    return workflow.document.transfer_endpoints if workflow is not None else {}


def check_declaration(name: str, block: Any, provider: TransferProvider | None = None,
                      manager: PluginManager | None = None) -> dict[str, Any]:
    """Validate one ``transfer_endpoints`` entry; return its settings (defaults filled, no ``provider``).

    Raises ConfigError listing every problem, each as ``transfer_endpoints.NAME.key: ...``.
    """
    where = f"transfer_endpoints.{name}"
    manager = manager or get_plugin_manager()
    if not isinstance(block, Mapping):
        raise ConfigError(f"{where}: expected a mapping with 'provider:' and the provider's endpoint settings, "
                          f"got {type(block).__name__} {block!r}")
    if provider is None:
        provider_name = block.get("provider")
        if not isinstance(provider_name, str):
            raise ConfigError(f"{where}.provider: required: the transfer provider serving this endpoint "
                              f"(one of: {', '.join(manager.records('transfer_providers'))})")
        try:
            provider = manager.lookup("transfer_providers", provider_name, context=f"{where}.provider")
        except PluginError as exc:
            raise ConfigError(str(exc)) from None
    elif block.get("provider", provider.name) != provider.name:
        raise ConfigError(f"{where}.provider: the endpoint is declared for provider '{block['provider']}' but "
                          f"provider='{provider.name}' was asked for; drop one of them")
    claims = {s.name: s for s in provider.settings}
    owner = f"transfer provider '{provider.name}'"
    settings, problems = check_values(
        where, {k: v for k, v in block.items() if k != "provider"}, claims, owner=owner,
        unknown=lambda key: f"{where}.{key}: unknown endpoint setting for {owner}{did_you_mean(str(key), claims)}; "
                            f"its settings: {', '.join(claims) or 'none'}")
    if problems:
        raise ConfigError(problems)
    return settings


def check_declarations(declarations: Mapping[str, Any], manager: PluginManager | None = None) -> dict[str, Endpoint]:
    """Validate every ``transfer_endpoints`` entry, collecting all problems into one ConfigError."""
    problems: list[str] = []
    endpoints = {}
    for name, block in declarations.items():
        try:
            settings = check_declaration(name, block, manager=manager)
            endpoints[name] = Endpoint(name, block["provider"], settings)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return endpoints


def resolve_endpoint(name: str, *, provider: str | None = None, declarations: Mapping[str, Any] | None = None,
                     manager: PluginManager | None = None) -> Endpoint:
    """Resolve one endpoint name to its provider and settings (see the module docstring for the order)."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"an endpoint must be a non-empty name, got {name!r}")
    manager = manager or get_plugin_manager()
    declarations = declarations or {}
    declared = declarations.get(name)
    if provider is not None:
        try:
            record = manager.lookup("transfer_providers", provider, context="provider=")
        except PluginError as exc:
            raise TransferError(str(exc)) from None
        if declared is None and not record.resolves_names and any(s.required for s in record.settings):
            raise TransferError(f"endpoint '{name}': not declared under transfer_endpoints, and transfer provider "
                                f"'{provider}' needs its settings ({_required(record)}); declare it"
                                f"{did_you_mean(name, declarations)}")
        return Endpoint(name, provider, check_declaration(name, declared or {}, record, manager))
    if declared is not None:
        settings = check_declaration(name, declared, manager=manager)
        return Endpoint(name, declared["provider"], settings)
    resolvers = [r for r in manager.records("transfer_providers").values() if r.resolves_names]
    if len(resolvers) == 1:
        return Endpoint(name, resolvers[0].name, check_declaration(name, {}, resolvers[0], manager))
    declared_names = ", ".join(declarations) or "none"
    if resolvers:
        raise TransferError(f"endpoint '{name}': not declared under transfer_endpoints, and several installed "
                            f"providers resolve names ({', '.join(r.name for r in resolvers)}); pass provider= "
                            f"or declare it")
    raise TransferError(f"endpoint '{name}': no transfer provider serves it: it is not declared under "
                        f"transfer_endpoints{did_you_mean(name, declarations)} (declared: {declared_names}) and "
                        f"no installed provider resolves endpoint names (pip install chiltepin-globus for "
                        f"Globus endpoints)")


def _required(record: TransferProvider) -> str:
    return ", ".join(s.name for s in record.settings if s.required)
