"""The ``globus-compute`` executor backend: Parsl's GlobusComputeExecutor, with per-task merging.

Parsl's ``GlobusComputeExecutor`` replaces the whole ``user_endpoint_config`` when a task
brings its own, and sets it on the shared SDK executor for the duration of one submit. Here a
task's endpoint options are merged over the resource's, and the per-task values live in a
thread-local override of the SDK executor, so concurrent submits never see each other's.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

from chiltepin.plugins import ChiltepinError, ResolvedResource
from globus_compute_sdk import Client, Executor
from globus_sdk import GlobusAPIError
from parsl.executors import GlobusComputeExecutor
from parsl.executors.base import ParslExecutor

from .settings import endpoint_config, split_task_geometry

_UNSET = object()
# The SDK Executor's own properties, whose values apply when no task overrides them.
_BASE_SPEC: property = vars(Executor)["resource_specification"]
_BASE_CONFIG: property = vars(Executor)["user_endpoint_config"]


class ComputeError(ChiltepinError, RuntimeError):
    """A task could not run or report back through Globus Compute; names resource and endpoint."""


class TaskOptionsExecutor(Executor):
    """The Globus Compute SDK executor, where ``resource_specification`` and
    ``user_endpoint_config`` can be set for the current thread only (:meth:`task_options`)."""

    def __init__(self, *args: Any, **kwargs: Any):
        self._task_local = threading.local()
        super().__init__(*args, **kwargs)

    def _override(self, name: str) -> Any:
        return getattr(self._task_local, name, _UNSET)

    @property
    def resource_specification(self) -> dict[str, Any] | None:
        value = self._override("resource_specification")
        return _BASE_SPEC.__get__(self) if value is _UNSET else value

    @resource_specification.setter
    def resource_specification(self, value: dict[str, Any] | None) -> None:
        _BASE_SPEC.__set__(self, value)

    @property
    def user_endpoint_config(self) -> dict[str, Any] | None:
        value = self._override("user_endpoint_config")
        return _BASE_CONFIG.__get__(self) if value is _UNSET else value

    @user_endpoint_config.setter
    def user_endpoint_config(self, value: dict[str, Any] | None) -> None:
        _BASE_CONFIG.__set__(self, value)

    @contextmanager
    def task_options(self, resource_specification: dict[str, Any] | None,
                     user_endpoint_config: dict[str, Any] | None) -> Iterator[None]:
        """Use these values for submits made by this thread inside the block."""
        for name, value in (("resource_specification", resource_specification),
                            ("user_endpoint_config", user_endpoint_config)):
            try:
                json.dumps(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name} must be JSON-serialisable: {exc}") from None
        local = self._task_local
        local.resource_specification = resource_specification
        local.user_endpoint_config = user_endpoint_config
        try:
            yield
        finally:
            del local.resource_specification, local.user_endpoint_config


class ChiltepinComputeExecutor(GlobusComputeExecutor):
    """Parsl's GlobusComputeExecutor whose tasks merge their endpoint options over the resource's.

    A task's ``parsl_resource_specification`` may carry ``user_endpoint_config`` (per-call
    endpoint options) and endpoint option names directly (from ``chiltepin_task_geometry``);
    both are laid over the resource's options. The other keys (MPI geometry such as
    ``num_nodes``, ``num_ranks``) go to the endpoint as the task's resource specification.
    """

    executor: TaskOptionsExecutor

    def submit(self, func: Callable[..., Any], resource_specification: dict[str, Any], *args: Any,
               **kwargs: Any) -> Any:
        spec, config = self.split_specification(resource_specification)
        with self.executor.task_options(spec, config):
            inner = self.executor.submit(func, *args, **kwargs)
        outer: Future = Future()
        inner.add_done_callback(functools.partial(self._relay, outer))
        return outer

    def _relay(self, outer: Future, inner: Future) -> None:
        """Pass a result on; an exception of the future itself (not of the task's code, which
        Parsl returns wrapped as a value) becomes a ComputeError naming resource and endpoint."""
        if outer.cancelled():
            return
        if inner.cancelled():
            outer.cancel()
            return
        exc = inner.exception()
        if exc is None:
            outer.set_result(inner.result())
            return
        if isinstance(exc, GlobusAPIError):
            reason = f"the Compute service refused the task ({exc.http_status} {exc.code}: {exc.message})"
        else:
            reason = (f"the task's result could not be obtained ({type(exc).__name__}: {exc}); check that this "
                      f"machine reaches the Globus Compute service and its result stream (AMQP, port 5671/443)")
        error = ComputeError(f"{self.label}: Globus Compute endpoint {self.executor.endpoint_id}: {reason}")
        error.__cause__ = exc
        outer.set_exception(error)

    def split_specification(self, resource_specification: Mapping[str, Any] | None
                            ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(resource specification, merged endpoint options) for one task; inputs are not modified."""
        overrides, spec = split_task_geometry(resource_specification or {}, f"{self.label}: user_endpoint_config")
        config = copy.deepcopy(self.user_endpoint_config) or {}
        config.update(overrides)
        base_spec = copy.deepcopy(self.resource_specification) or {}
        base_spec.update(spec)
        return base_spec or None, config or None

    def shutdown(self) -> None:
        """Stop submitting, cancel what was not sent, and stop the result stream if one is open.

        Unlike Parsl's, this does not start a result watcher (and an AMQP connection) only to
        stop it when no task was ever submitted.
        """
        self.executor.shutdown(wait=False, cancel_futures=True)
        watcher = _live_result_watcher(self.executor)
        if watcher is not None:
            watcher.shutdown(wait=False, cancel_futures=True)
        ParslExecutor.shutdown(self)


def _live_result_watcher(executor: Executor) -> Any:
    from globus_compute_sdk.sdk import executor as sdk_executor

    watchers = getattr(sdk_executor, "_RESULT_WATCHERS", None)
    if watchers is None:  # an SDK without the registry: fall back to Parsl's way
        return executor._get_result_watcher()
    watcher = watchers.get(executor.task_group_id)
    return watcher if watcher is not None and watcher.is_alive() else None


def compute_client() -> Client:
    """A Globus Compute client using chiltepin's login (token storage, or service credentials).

    The stored tokens are checked (a missing login is an error saying to run ``chiltepin
    login``), but no request is made: the version check is skipped so that building a workflow's
    executors stays offline; the first submit authenticates.
    """
    from globus_sdk.scopes import ComputeScopes

    from .auth import globus_app, require_login

    app = globus_app()
    require_login(app, ComputeScopes.resource_server)
    return Client(app=app, do_version_check=False)


def build_executor(resource: ResolvedResource, provider: Any = None,
                   client_factory: Callable[[], Client] = compute_client) -> ChiltepinComputeExecutor:
    """Build the executor of a ``globus-compute`` resource, labelled with the resource name."""
    try:
        client = client_factory()
    except ChiltepinError as exc:
        raise type(exc)(f"{resource.name}: {exc}") from None
    sdk = TaskOptionsExecutor(endpoint_id=resource.get("endpoint"), client=client,
                              user_endpoint_config=endpoint_config(resource.options), label=resource.name)
    return ChiltepinComputeExecutor(sdk, label=resource.name)

