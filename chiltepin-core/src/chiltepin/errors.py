"""Exception types raised by chiltepin for user mistakes and plugin faults.

Every error a user can cause by a config file, a task call or a plugin is one of these,
with a message that names the resource, key or plugin and says what to do.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from concurrent.futures import CancelledError
from typing import Any


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


class TaskError(ChiltepinError):
    """A task's future failed for a reason chiltepin recognised; ``task`` and ``resource`` name it.

    The attributes are plain values, so a run database can record them without parsing text.
    """

    task: str | None = None
    resource: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:  # keyword-only constructors pickle through their state
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type[BaseException], state: dict[str, Any]) -> BaseException:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    return error


class TaskTimeout(TaskError, TimeoutError):
    """A task ran longer than its ``timeout``; its processes were killed."""

    def __init__(self, task: str, limit: float, resource: str | None = None):
        self.task, self.limit, self.resource = task, limit, resource
        super().__init__(task, limit)

    def __str__(self) -> str:
        where = f" on resource '{self.resource}'" if self.resource else ""
        return f"task {self.task}{where} exceeded its timeout of {self.limit:g} s and was killed"


class TaskCancelled(TaskError, CancelledError):
    """A task was cancelled (``future.cancel()`` or ``Workflow.cancel()``)."""

    def __init__(self, task: str, resource: str | None = None, running: bool = False):
        self.task, self.resource, self.running = task, resource, running
        super().__init__(task)

    def __str__(self) -> str:
        where = f" on resource '{self.resource}'" if self.resource else ""
        return f"task {self.task}{where} was cancelled" + (" while running (killed)" if self.running else "")


class TaskLost(TaskError):
    """A task was lost with its worker or block more often than ``lost_task_retries`` allows.

    ``losses`` says where each loss happened (manager, host, block and job when known);
    ``cause`` is the last loss's Parsl exception.
    """

    def __init__(self, task: str, resource: str | None, losses: Sequence[str], cause: BaseException):
        self.task, self.resource, self.losses, self.cause = task, resource, list(losses), cause
        super().__init__(task)

    def __str__(self) -> str:
        return (f"task {self.task} on resource '{self.resource}' was lost {len(self.losses)} times "
                f"(lost_task_retries exhausted): " + "; ".join(self.losses))


class UpstreamTaskError(TaskError):
    """A task did not run because a task it depends on failed.

    ``root_task``, ``root_resource`` and ``root`` (the original exception object) name the task
    where the failure started, however long the chain of dependents in between.
    """

    def __init__(self, task: str, resource: str | None, root_task: str, root_resource: str | None,
                 root: BaseException, others: int = 0):
        self.task, self.resource = task, resource
        self.root_task, self.root_resource, self.root, self.others = root_task, root_resource, root, others
        super().__init__(task)

    def __str__(self) -> str:
        where = f" on resource '{self.root_resource}'" if self.root_resource else ""
        more = f" (and {self.others} more failed upstream tasks)" if self.others else ""
        return (f"task {self.task} did not run: upstream task {self.root_task}{where} failed with "
                f"{type(self.root).__name__}: {self.root}{more}")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
