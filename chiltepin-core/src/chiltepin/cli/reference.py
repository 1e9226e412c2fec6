"""Every configuration key of every installed record, from the settings declarations.

One source for ``chiltepin config keys``, ``chiltepin config schema`` (JSON Schema for editor
completion) and the generated configuration reference in the docs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..config.options import WORKFLOW_SETTINGS
from ..config.resolve import CORE_SETTINGS, PROVIDER, PROVIDER_SETTINGS
from ..plugins.manager import PluginManager
from ..plugins.records import RECORD_KINDS
from ..settings import Setting

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True)
class Section:
    """One group of keys: who declares them, and where in the configuration they go."""

    #: "core", "workflow", or the ``keys`` word of a record kind ("provider", "executor", ...).
    kind: str
    name: str
    description: str
    settings: Sequence[Setting]
    distribution: str | None = None
    #: What the section is, after its name in the title (records only).
    heading: str = ""

    @property
    def title(self) -> str:
        labels = {"core": "Core resource keys", "workflow": "Workflow options (workflow:)"}
        return labels.get(self.kind) or f"{self.name}: {self.heading}"


def sections(manager: PluginManager) -> Iterator[Section]:
    """Core keys, workflow options, then every installed record of a kind that is configured
    (see :data:`~chiltepin.plugins.records.RECORD_KINDS`), by kind and name."""
    yield Section("core", "core", "Keys every resource may have.", CORE_SETTINGS + PROVIDER_SETTINGS, "chiltepin-core")
    yield Section("workflow", "workflow", "Workflow-level options; keyword arguments of Workflow() override them.",
                  WORKFLOW_SETTINGS, "chiltepin-core")
    for kind in RECORD_KINDS:
        if kind.keys is None:
            continue
        for name, record in manager.records(kind.name).items():
            yield Section(kind.keys, name, record.description, tuple(getattr(record, "settings", ())),
                          manager.owner(kind.name, name).distribution, kind.heading or kind.label)


def describe(setting: Setting) -> str:
    """``type, default X`` / ``type, required`` for one key."""
    if setting.required:
        extra = "required"
    elif setting.default is None or setting.default == ():
        extra = "optional"
    else:
        extra = f"default {setting.default!r}"
    return f"{setting.type.describe()}, {extra}"


def _object(settings: Sequence[Setting], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {s.name: s.schema() for s in settings}, "additionalProperties": False,
            **extra}


def _union_property(existing: dict[str, Any] | None, setting: Setting, owner: str) -> dict[str, Any]:
    if existing is None:
        schema = setting.schema()
        schema["description"] = f"{setting.help} [{owner}]"
        return schema
    existing["description"] = existing["description"].rstrip("]") + f", {owner}]"
    return existing


def config_schema(manager: PluginManager) -> dict[str, Any]:
    """A JSON Schema of the configuration file for the installed plugins.

    Core, backend and launcher keys are properties of every resource (each description says who
    claims it); each provider's own keys, with their defaults and help, apply only under an
    ``if provider == name`` branch (``localhost`` also when no provider is given), so two
    providers' same-named keys stay apart. The names of providers, backends, launchers and site
    presets are enumerated. Which backend and launcher keys fit a resource is checked by
    chiltepin itself (``chiltepin config validate``).
    """
    properties: dict[str, Any] = {}
    conditions: list[dict[str, Any]] = []
    for section in sections(manager):
        if section.kind in ("workflow", "transfer", "block"):
            continue
        if section.kind == "provider":
            given: dict[str, Any] = {"properties": {"provider": {"const": section.name}}}
            if section.name != PROVIDER.default:
                given["required"] = ["provider"]
            then: dict[str, Any] = {"properties": {s.name: s.schema() for s in section.settings}}
            required = [s.name for s in section.settings if s.required]
            if required:
                then["required"] = required
            conditions.append({"if": given, "then": then})
            continue
        owner = "core" if section.kind == "core" else f"{section.kind} {section.name}"
        for setting in section.settings:
            properties[setting.name] = _union_property(properties.get(setting.name), setting, owner)
    presets = [f"{site.name}:{preset}" for site in manager.records("sites").values() for preset in site.presets]
    choices = {kind.resource_key: list(manager.records(kind.name)) for kind in RECORD_KINDS if kind.resource_key}
    for key, names in choices.items():
        if key in properties and names:
            properties[key] = {"anyOf": [{"enum": names}, {"type": "null"}],
                               "description": properties[key]["description"]}
    properties["extends"] = {"anyOf": [{"enum": presets}, {"type": "string", "pattern": "^[a-z0-9-]+$"}],
                             "description": properties["extends"]["description"]}
    resource: dict[str, Any] = {"type": "object", "properties": properties, "unevaluatedProperties": False}
    if conditions:
        resource["allOf"] = conditions
    endpoints = [{"type": "object", "additionalProperties": False,
                  "properties": {"provider": {"const": name, "description": record.description},
                                 **{s.name: s.schema() for s in record.settings}},
                  "required": ["provider"] + [s.name for s in record.settings if s.required]}
                 for name, record in manager.records("transfer_providers").items()]
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Chiltepin configuration",
        "description": "Top-level keys are resource names (each a mapping of options), plus the reserved "
                       "'workflow' and 'transfer_endpoints'.",
        "type": "object",
        "properties": {
            "workflow": _object(WORKFLOW_SETTINGS, description="Workflow-level options."),
            "transfer_endpoints": {"type": "object", "description": "Named data endpoints for chiltepin.data.",
                                   "additionalProperties": {"oneOf": endpoints} if endpoints else False},
            **{name: _object(block.settings, description=block.description)
               for name, block in manager.records("config_blocks").items()},
        },
        "additionalProperties": {"$ref": "#/$defs/resource"},
        "$defs": {"resource": resource},
    }
