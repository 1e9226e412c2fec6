"""Typed settings declarations: one place that validates, documents and lists every config key.

A plugin record declares its keys as a tuple of :class:`Setting`. Core uses the declarations to
reject unknown keys, check types, fill defaults, write the configuration reference and emit a
JSON Schema (``chiltepin config schema``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import PluginError


class SettingType:
    """How a value of one setting is checked, described and written as JSON Schema."""

    def check(self, value: Any) -> Any:
        """Return the (possibly normalised) value or raise ValueError saying what was expected."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError


def _kind(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


@dataclass(frozen=True)
class Str(SettingType):
    """A string, optionally matching a regular expression (``pattern_help`` says the form)."""

    pattern: str | None = None
    pattern_help: str = ""

    def check(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_kind(value)} {value!r}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise ValueError(f"{value!r} is not {self.pattern_help or 'in the form ' + self.pattern}")
        return value

    def describe(self) -> str:
        return f"string ({self.pattern_help})" if self.pattern_help else "string"

    def schema(self) -> dict[str, Any]:
        return {"type": "string", **({"pattern": f"^(?:{self.pattern})$"} if self.pattern else {})}


@dataclass(frozen=True)
class Int(SettingType):
    """An integer within optional bounds (booleans are refused)."""

    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {_kind(value)} {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"must be at least {self.minimum}, got {value}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"must be at most {self.maximum}, got {value}")
        return value

    def describe(self) -> str:
        bounds = [f">= {self.minimum}" if self.minimum is not None else "",
                  f"<= {self.maximum}" if self.maximum is not None else ""]
        text = ", ".join(b for b in bounds if b)
        return f"integer ({text})" if text else "integer"

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass(frozen=True)
class Float(SettingType):
    """A number (integers accepted), with an optional strict lower bound."""

    above: float | None = None

    def check(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {_kind(value)} {value!r}")
        if self.above is not None and value <= self.above:
            raise ValueError(f"must be greater than {self.above}, got {value}")
        return float(value)

    def describe(self) -> str:
        return f"number (> {self.above})" if self.above is not None else "number"

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "number"}
        if self.above is not None:
            out["exclusiveMinimum"] = self.above
        return out


@dataclass(frozen=True)
class Bool(SettingType):
    """true or false (strings such as "yes" are refused)."""

    def check(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_kind(value)} {value!r}")
        return value

    def describe(self) -> str:
        return "boolean"

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True)
class StrList(SettingType):
    """A list of strings; a bare string is refused because it is almost always a mistake."""

    def check(self, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("expected a list of strings, got a single string; write it as a YAML list "
                             "(one '- item' per line)")
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of strings, got {_kind(value)} {value!r}")
        return list(value)

    def describe(self) -> str:
        return "list of strings"

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class Choice(SettingType):
    """One of a fixed set of strings."""

    values: tuple[str, ...]

    def check(self, value: Any) -> Any:
        if value not in self.values:
            from .errors import did_you_mean

            hint = did_you_mean(value, self.values) if isinstance(value, str) else ""
            raise ValueError(f"{value!r} is not one of {', '.join(self.values)}{hint}")
        return value

    def describe(self) -> str:
        return "one of " + ", ".join(self.values)

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.values)}


@dataclass(frozen=True)
class Mapping_(SettingType):
    """A mapping of string keys to plain values (passed through untouched)."""

    def check(self, value: Any) -> Any:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise ValueError(f"expected a mapping with string keys, got {_kind(value)} {value!r}")
        return dict(value)

    def describe(self) -> str:
        return "mapping"

    def schema(self) -> dict[str, Any]:
        return {"type": "object"}


@dataclass(frozen=True)
class AnyOf(SettingType):
    """A value accepted by the first of several types that accepts it."""

    options: tuple[SettingType, ...]

    def check(self, value: Any) -> Any:
        reasons = []
        for option in self.options:
            try:
                return option.check(value)
            except ValueError as exc:
                reasons.append(option.describe())
                last = exc
        if len(reasons) == 1:
            raise last
        raise ValueError(f"expected {' or '.join(reasons)}, got {_kind(value)} {value!r}")

    def describe(self) -> str:
        return " or ".join(o.describe() for o in self.options)

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [o.schema() for o in self.options]}


@dataclass(frozen=True)
class Setting:
    """One configuration key a record claims.

    ``default`` None means "unset" and null is then always accepted. ``required`` keys must be
    given. ``check`` is an optional extra rule returning an error text or None.
    """

    name: str
    type: SettingType
    default: Any = None
    help: str = ""
    required: bool = False
    check: Callable[[Any], str | None] | None = field(default=None, compare=False)

    def validate(self, value: Any) -> Any:
        """Return the checked value; raise ValueError with a message that does not repeat the key.

        A ``check`` that raises, or returns anything but None or a message, is the plugin's
        fault, not the user's: that raises :class:`chiltepin.errors.PluginError`."""
        if value is None and not self.required and self.default is None:
            return None
        value = self.type.check(value)
        if self.check is not None:
            try:
                problem = self.check(value)
            except Exception as exc:
                raise PluginError(f"setting '{self.name}': check({value!r}) raised {type(exc).__name__}: {exc}") \
                    from exc
            if problem is not None and not isinstance(problem, str):
                raise PluginError(f"setting '{self.name}': check({value!r}) returned {type(problem).__name__} "
                                  f"{problem!r}; a Setting check returns None or a message")
            if problem:
                raise ValueError(problem)
        return value

    def schema(self) -> dict[str, Any]:
        out = dict(self.type.schema())
        if self.default is None and not self.required:
            out = {"anyOf": [out, {"type": "null"}]}
        out["description"] = self.help
        if self.default is not None:
            out["default"] = self.default
        return out


def default_problems(settings: Sequence[Setting]) -> list[str]:
    """What is wrong with the defaults of a settings declaration (each "setting 'k': ...")."""
    problems = []
    for setting in settings:
        if setting.required and setting.default is not None:
            problems.append(f"setting '{setting.name}' is required but has a default")
        elif setting.default is not None:
            try:
                setting.validate(setting.default)
            except ValueError as exc:
                problems.append(f"setting '{setting.name}': default {setting.default!r} is invalid: {exc}")
            except PluginError as exc:
                problems.append(str(exc))
    return problems


def check_values(where: str, values: Mapping[str, Any], claims: Mapping[str, Setting], *, owner: str,
                 unknown: Callable[[str], str], note: Callable[[str], str] = lambda key: "",
                 fault: Callable[[str], str] = lambda key: "a plugin",
                 ) -> tuple[dict[str, Any], list[str]]:
    """Validate ``values`` against the settings that claim them and fill every default.

    Returns the checked options and the problems, each ``"where.key: ..."``; ``unknown(key)``
    words the problem of an unclaimed key, ``note(key)`` is appended to a bad value's and
    ``fault(key)`` names who declared a setting whose check is broken.
    """
    options: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in values.items():
        if key not in claims:
            problems.append(unknown(key))
            continue
        try:
            options[key] = claims[key].validate(value)
        except ValueError as exc:
            problems.append(f"{where}.{key}: {exc}{note(key)}")
        except PluginError as exc:
            problems.append(f"{where}.{key}: {fault(key)}: {exc}")
    for key, setting in claims.items():
        if key not in options:
            if setting.required and key not in values:
                problems.append(f"{where}.{key}: required by {owner} but not set ({setting.help})")
            options[key] = copy.deepcopy(setting.default)
    return options, problems
