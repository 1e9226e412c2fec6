"""Task decorators: ``python_task``, ``bash_task`` and ``join_task``.

The resource is chosen per call with ``executor=`` (a resource name or a list of them; omitted
means any). The Parsl app behind a task is built once per executor choice and reused, and Parsl
always receives the same function object, so its serializer cache keeps working.
"""

from __future__ import annotations

import functools
import inspect
import random
from collections.abc import Callable, Mapping
from typing import Any

from ._runtime import parsl_kernel_loaded, state
from ._task_memory import keep_only_what_users_read
from .errors import UnknownResourceError, WorkflowError, did_you_mean
from .failures import TaskOptions, effective, register, task_future_class, task_options
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

    def __init__(self, func: Callable[..., Any], options: Mapping[str, Any] | None = None):
        if not callable(func):
            raise TypeError(f"@{self.decorator} expects a function, got {type(func).__name__}")
        functools.update_wrapper(self, func)
        self.func = func
        self.name = getattr(func, "__qualname__", repr(func))
        self.options: TaskOptions = task_options(self.decorator, self.name, options or {})
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
        self._default_key: Any = (None if self.options.executor is None
                                  else _executor_tuple(self.options.executor))
        self._apps: dict[Any, Any] = {}
        self._generation = -1

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
        if self._generation != state.generation:  # a new workflow: its resources may set other limits
            self._apps.clear()
            self._generation = state.generation
        app = self._apps.get(key)
        if app is None:
            app = self._apps[key] = self._build(key)
        return app

    def _build(self, key: Any) -> Any:
        """The Parsl app for an executor choice; one per resource when their timeouts differ."""
        cache = self.options.cache or state.memoize
        labels = sorted(state.labels or ()) if key == "all" else list(key)
        limits = {label: self._timeout(label) for label in labels}
        if len(set(limits.values())) <= 1:
            return self._make_app("all" if key == "all" else list(key), cache, next(iter(limits.values()), None))
        apps = [self._make_app([label], cache, limit) for label, limit in limits.items()]
        return lambda *args, **kwargs: random.choice(apps)(*args, **kwargs)

    def _timeout(self, label: str) -> float | None:
        return effective("timeout", self.options, state.resources.get(label), state.options)

    def _make_app(self, executors: Any, cache: bool, timeout: float | None) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any, executor: ExecutorChoice = None,
                 chiltepin_task_geometry: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if kwargs:
            self._check_kwargs(kwargs)
            if "outputs" in kwargs or "inputs" in kwargs:
                _track_paths(kwargs)
        if executor is None:
            key: Any = "all" if self._default_key is None else _executor_key(self._default_key, self.name)
            if state.labels is None:
                _require_workflow(self.name)
        else:
            key = _executor_key(executor, self.name)
        if chiltepin_task_geometry is not None:
            kwargs["parsl_resource_specification"] = _translate(
                kwargs.get("parsl_resource_specification"), chiltepin_task_geometry, key, self.name)
        future = keep_only_what_users_read(self._app(key)(*args, **kwargs))
        future.__class__ = task_future_class()
        return future

    def map(self, *iterables: Any, executor: ExecutorChoice = None, strict: bool = False, **kwargs: Any) -> Any:
        """Call the task once per item, zipping ``iterables`` like the builtin ``map`` (``strict=True``
        refuses different lengths); one future of the list of results, in input order. Keyword
        arguments go to every call. See :mod:`chiltepin.patterns`."""
        from .patterns import map_task

        return map_task(self, iterables, executor, strict, kwargs)


def _executor_tuple(choice: str | tuple[str, ...]) -> tuple[str, ...]:
    return (choice,) if isinstance(choice, str) else tuple(choice)


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

    def _make_app(self, executors: Any, cache: bool, timeout: float | None) -> Any:
        from parsl.app.python import PythonApp

        remote = self._remote
        if timeout is not None:
            from ._remote import limited

            remote = limited(remote, timeout, self.name)
        app = PythonApp(remote, executors=executors, cache=cache)
        register(app.func, self.options)
        return app


class BashTask(_Task):
    decorator = "bash_task"
    parsl_kwargs = BASH_KWARGS

    def _make_app(self, executors: Any, cache: bool, timeout: float | None) -> Any:
        from parsl.app.bash import BashApp
        from parsl.app.errors import wrap_error

        from ._remote import bash_runner

        app = BashApp(self._remote, executors=executors, cache=cache)
        app.wrapped_remote_function = wrap_error(bash_runner(self._remote, timeout, self.name))
        register(app.wrapped_remote_function, self.options)
        return app


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
        future = keep_only_what_users_read(self._app("all")(*args, **kwargs))
        future.__class__ = task_future_class()
        return future

    def _build(self, key: Any) -> Any:
        from parsl.app.python import PythonApp

        app = PythonApp(self._remote, executors=["_parsl_internal"], cache=self.options.cache or state.memoize,
                        join=True)
        register(app.func, self.options)
        return app


def _decorator(cls: type[_Task], func: Callable[..., Any] | None, options: dict[str, Any]) -> Any:
    if func is None:
        return lambda f: cls(f, options)
    if options:
        raise TypeError(f"@{cls.decorator}: pass options as keywords only, e.g. @{cls.decorator}(retries=2)")
    return cls(func)


def python_task(func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Make ``func`` a task that runs Python on the resource chosen at call time; returns a future.

    Use it bare (``@python_task``) or with options (``@python_task(retries=3, timeout=600)``):
    ``executor`` (default resource choice), ``retries``, ``retry_delay``, ``retry_on``, ``timeout``
    and ``cache`` (see :mod:`chiltepin.failures`).
    """
    return _decorator(PythonTask, func, options)


def bash_task(func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Make ``func`` a task whose returned string runs in bash; the future's result is 0 on success
    and a non-zero exit raises :class:`chiltepin.BashTaskError` (a ``parsl.app.errors.BashExitFailure``)
    carrying the exit code and the end of the captured stderr. Options as for :func:`python_task`;
    ``retry_on`` may also list exit codes."""
    return _decorator(BashTask, func, options)


def join_task(func: Callable[..., Any] | None = None, /, **options: Any) -> Any:
    """Make ``func`` a task that launches other tasks and returns their future(s) without blocking.
    Options: ``retries``, ``retry_delay``, ``retry_on`` and ``cache``."""
    return _decorator(JoinTask, func, options)


__all__ = ["BashTask", "JoinTask", "PythonTask", "bash_task", "join_task", "python_task"]
