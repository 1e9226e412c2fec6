"""Exception types raised by chiltepin for user mistakes and plugin faults.

Every error a user can cause by a config file, a task call or a plugin is one of these,
with a message that names the resource, key or plugin and says what to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class ChiltepinError(Exception):
    """Base class of every error chiltepin raises on purpose."""


class ConfigError(ChiltepinError, ValueError):
    """A configuration problem; carries one or more messages, each naming resource and key."""

    def __init__(self, problems: str | Sequence[str]):
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class PluginError(ChiltepinError):
    """A plugin is broken, misdeclared, or not installed."""


class PluginConflictError(PluginError):
    """Two plugins provide the same name for the same kind of record."""


class WorkflowError(ChiltepinError, RuntimeError):
    """The workflow lifecycle was used wrongly (e.g. two workflows at once)."""


class UnknownResourceError(ChiltepinError, ValueError):
    """A task asked for a resource that the running workflow does not have."""


class TransferError(ChiltepinError, RuntimeError):
    """A data transfer or deletion failed; the message names the endpoints and paths."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
