"""Reading a configuration: a YAML file, a mapping, or nothing, into a :class:`ConfigDocument`.

The file is upstream's flat layout (resource name -> options) plus two reserved top-level keys:
``workflow`` (workflow-level options) and ``transfer_endpoints`` (named data endpoints), and the
blocks that plugins declare with the ``chiltepin_config_blocks`` hook (``agents``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, did_you_mean

RESERVED_KEYS = ("workflow", "transfer_endpoints")

#: The built-in ``local`` resource: one block of workers on this machine, started at once.
DEFAULT_LOCAL: Mapping[str, Any] = {"provider": "localhost", "init_blocks": 1, "max_blocks": 1}

ConfigSource = str | os.PathLike | Mapping[str, Any] | None


@dataclass
class ConfigDocument:
    """The raw content of a configuration, split into resources, workflow options and endpoints."""

    resources: dict[str, Any]
    workflow: dict[str, Any] = field(default_factory=dict)
    transfer_endpoints: dict[str, Any] = field(default_factory=dict)
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    origin: str = "<dict>"


def load_document(source: ConfigSource) -> ConfigDocument:
    """Read a configuration from a YAML path, a mapping or None (only the built-in ``local``)."""
    if source is None:
        data: Any = {}
        origin = "<default>"
    elif isinstance(source, Mapping):
        data, origin = source, "<dict>"
    elif isinstance(source, (str, os.PathLike)):
        origin = os.fspath(source)
        data = _read_yaml(origin)
    else:
        raise ConfigError(f"configuration must be a YAML file path, a mapping or None, not {type(source).__name__}")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{origin}: the top level must be a mapping of resource names to their options, "
                          f"not a {type(data).__name__}")
    problems = [f"{origin}: resource names must be strings, got {k!r}" for k in data if not isinstance(k, str)]
    if problems:
        raise ConfigError(problems)
    blocks = _plugin_blocks() if data else {}
    resources = {k: v for k, v in data.items() if k not in RESERVED_KEYS and k not in blocks}
    if "local" not in resources:
        resources = {"local": dict(DEFAULT_LOCAL), **resources}
    document = ConfigDocument(resources=resources, origin=origin)
    for key in RESERVED_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key}: expected a mapping, got {type(value).__name__} {value!r}")
        setattr(document, key, dict(value))
    document.blocks = _check_blocks(data, blocks)
    return document


def _plugin_blocks() -> dict[str, Any]:
    from ..plugins.manager import get_plugin_manager

    return get_plugin_manager().records("config_blocks")


def _check_blocks(data: Mapping[str, Any], blocks: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each plugin block present in ``data``, checked against its record's settings."""
    from ..settings import check_values

    checked: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for name, block in blocks.items():
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, Mapping):
            problems.append(f"{name}: expected a mapping, got {type(value).__name__} {value!r}")
            continue
        claims = {s.name: s for s in block.settings}
        checked[name], found = check_values(
            name, value, claims, owner=f"the '{name}' block",
            unknown=lambda key, claims=claims, name=name: (
                f"{name}.{key}: unknown key{did_you_mean(key, claims)}; keys: {', '.join(claims)}"))
        problems += found
    if problems:
        raise ConfigError(problems)
    return checked


def _read_yaml(path: str) -> Any:
    import yaml

    try:
        with open(path, encoding="utf-8") as stream:
            return yaml.safe_load(stream)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc.strerror}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else path
        raise ConfigError(f"{where}: YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: YAML error: {exc}") from None
