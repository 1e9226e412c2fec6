"""Task decorators: ``python_task``, ``bash_task`` and ``join_task``.

The resource is chosen per call with ``executor=`` (a resource name or a list of them; omitted
means any). The Parsl app behind a task is built once per executor choice and reused, and Parsl
always receives the same function object, so its serializer cache keeps working.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from ._finished import keep_only_what_users_read
from ._runtime import parsl_kernel_loaded, state
from .errors import UnknownResourceError, WorkflowError, did_you_mean
from .geometry import merge_geometry

#: Keyword arguments Parsl itself understands on every app.
PARSL_KWARGS = frozenset({"inputs", "outputs", "walltime", "parsl_resource_specification"})
#: ... and additionally on bash apps.
BASH_KWARGS = PARSL_KWARGS | {"stdout", "stderr"}
#: Call-time keywords chiltepin takes; a task function may not use these names.
RESERVED = ("executor", "chiltepin_task_geometry")

ExecutorChoice = str | list[str] | tuple[str, ...] | None


def _executor_key(executor: Any, task: str) -> str | tuple[str, ...]:
    if isinstance(executor, str):
        key: tuple[str, ...] = (executor,)
    elif isinstance(executor, (list, tuple)) and executor and all(isinstance(e, str) for e in executor):
        key = tuple(executor)
    else:
        raise TypeError(f"{task}: executor= must be a resource name or a non-empty list of names, "
                        f"got {executor!r}")
    labels = state.labels
    if labels is None:
        _require_workflow(task)
    elif not labels.issuperset(key):
        bad = next(e for e in key if e not in labels)
        raise UnknownResourceError(f"{task}: unknown resource '{bad}'{did_you_mean(bad, labels)}; the running "
                                   f"workflow has: {', '.join(sorted(labels))}")
    return key


def _require_workflow(task: str) -> None:
    if not parsl_kernel_loaded():
        raise WorkflowError(f"{task}: no workflow is running; call tasks inside `with Workflow(config):` "
                            f"or after Workflow.start()")


def _remote_function(func: Callable[..., Any], drop: frozenset[str]) -> Callable[..., Any]:
    """The function handed to Parsl: ``func`` itself, or a wrapper (built once) that drops the
    Parsl keywords ``func`` does not declare, since Parsl passes them through."""
    if not drop:
        return func

    @functools.wraps(func)
    def remote(*args: Any, **kwargs: Any) -> Any:
        for name in drop:
            kwargs.pop(name, None)
        return func(*args, **kwargs)

    # functools.wraps copied the task's module; give it back this module, whose globals the
    # wrapper uses, so serializers refer to them by name instead of copying them (they include
    # the module's loader, which under pytest is the unpicklable assertion-rewriting hook).
    remote.__module__ = __name__
    return remote


class _Task:
    """A decorated task; call it like the function, plus ``executor=`` and Parsl's keywords."""

    decorator = "task"
    parsl_kwargs = PARSL_KWARGS

    def __init__(self, func: Callable[..., Any]):
        if not callable(func):
            raise TypeError(f"@{self.decorator} expects a function, got {type(func).__name__}")
        functools.update_wrapper(self, func)
        self.func = func
        self.name = getattr(func, "__qualname__", repr(func))
        params = inspect.signature(func).parameters
        for reserved in RESERVED:
            if reserved in params:
                raise TypeError(f"@{self.decorator} {self.name}: the parameter '{reserved}' is reserved for "
                                f"choosing where and how the task runs; rename it")
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        named = {n for n, p in params.items()
                 if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
        self._allowed: frozenset[str] | None = None if takes_any else frozenset(named | self.parsl_kwargs)
        self._remote = _remote_function(func, frozenset() if takes_any else self.parsl_kwargs - named)
        self._apps: dict[Any, Any] = {}
        self._memo_apps: dict[Any, Any] = {}

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return functools.partial(self, obj)

    def __repr__(self) -> str:
        return f"<{self.decorator} {self.name}>"

    def _check_kwargs(self, kwargs: Mapping[str, Any]) -> None:
        allowed = self._allowed
        if allowed is not None:
            for name in kwargs:
                if name not in allowed:
                    raise TypeError(f"{self.name}() got an unexpected keyword argument '{name}'"
                                    f"{did_you_mean(name, allowed)}")

    def _app(self, key: Any) -> Any:
        apps = self._memo_apps if state.memoize else self._apps
        app = apps.get(key)
        if app is None:
            app = apps[key] = self._make_app("all" if key == "all" else list(key), state.memoize)
        return app

    def _make_app(self, executors: Any, cache: bool) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any, executor: ExecutorChoice = None,
                 chiltepin_task_geometry: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if kwargs:
            self._check_kwargs(kwargs)
            if "outputs" in kwargs or "inputs" in kwargs:
                _track_paths(kwargs)
        if executor is None:
            key: Any = "all"
            if state.labels is None:
                _require_workflow(self.name)
        else:
            key = _executor_key(executor, self.name)
        if chiltepin_task_geometry is not None:
            kwargs["parsl_resource_specification"] = _translate(
                kwargs.get("parsl_resource_specification"), chiltepin_task_geometry, key, self.name)
        return keep_only_what_users_read(self._app(key)(*args, **kwargs))

    def map(self, *iterables: Any, executor: ExecutorChoice = None, strict: bool = False, **kwargs: Any) -> Any:
        """Call the task once per item, zipping ``iterables`` like the builtin ``map`` (``strict=True``
        refuses different lengths); one future of the list of results, in input order. Keyword
        arguments go to every call. See :mod:`chiltepin.patterns`."""
        from .patterns import map_task

        return map_task(self, iterables, executor, strict, kwargs)


def _track_paths(kwargs: dict[str, Any]) -> None:
    """Plain path strings in ``inputs=``/``outputs=`` become Parsl Files that are still strings."""
    from ._paths import tracked

    for name in ("inputs", "outputs"):
        if name in kwargs:
            kwargs[name] = tracked(kwargs[name])


def _translate(spec: Any, geometry: Any, key: Any, task: str) -> dict[str, Any]:
    from .plugins.manager import get_plugin_manager

    merged = merge_geometry(spec, geometry)
    resource = state.resources.get(key[0]) if key != "all" and len(key) == 1 else None
    try:
        return get_plugin_manager().translate_geometry(merged, resource)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{task}: chiltepin_task_geometry: {exc}") from None


class PythonTask(_Task):
    decorator = "python_task"

    def _make_app(self, executors: Any, cache: bool) -> Any:
        from parsl.app.python import PythonApp

        return PythonApp(self._remote, executors=executors, cache=cache)


class BashTask(_Task):
    decorator = "bash_task"
    parsl_kwargs = BASH_KWARGS

    def _make_app(self, executors: Any, cache: bool) -> Any:
        from parsl.app.bash import BashApp

        return BashApp(self._remote, executors=executors, cache=cache)


class JoinTask(_Task):
    """Join tasks run inside the workflow process and return futures of the tasks they launch."""

    decorator = "join_task"

    def __call__(self, *args: Any, executor: ExecutorChoice = None,
                 chiltepin_task_geometry: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if executor is not None or chiltepin_task_geometry is not None:
            raise TypeError(f"{self.name}: a join task runs in the workflow process; pass executor= and "
                            f"chiltepin_task_geometry= to the tasks it launches instead")
        if kwargs:
            self._check_kwargs(kwargs)
        if state.labels is None:
            _require_workflow(self.name)
        return keep_only_what_users_read(self._app("all")(*args, **kwargs))

    def _make_app(self, executors: Any, cache: bool) -> Any:
        from parsl.app.python import PythonApp

        return PythonApp(self._remote, executors=["_parsl_internal"], cache=cache, join=True)


def python_task(func: Callable[..., Any]) -> PythonTask:
    """Make ``func`` a task that runs Python on the resource chosen at call time; returns a future."""
    return PythonTask(func)


def bash_task(func: Callable[..., Any]) -> BashTask:
    """Make ``func`` a task whose returned string runs in bash; the future's result is 0 on success
    and a non-zero exit raises ``parsl.app.errors.BashExitFailure``."""
    return BashTask(func)


def join_task(func: Callable[..., Any]) -> JoinTask:
    """Make ``func`` a task that launches other tasks and returns their future(s) without blocking."""
    return JoinTask(func)


__all__ = ["BashTask", "JoinTask", "PythonTask", "bash_task", "join_task", "python_task"]
