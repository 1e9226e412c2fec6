"""Moving and deleting data between named endpoints, now or as workflow tasks.

The synchronous forms (:func:`transfer`, :func:`delete`) run in the calling process. The task
forms (:func:`transfer_task`, :func:`delete_task`) resolve the endpoints in the submitting
process, against the running workflow's ``transfer_endpoints:``, and ship only plain data to
the worker, which runs the provider there. Every form returns (or its future resolves to)
True on success and raises :class:`~chiltepin.errors.TransferError` naming the endpoints and
paths otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..config.document import ConfigDocument, ConfigSource
from ..errors import ChiltepinError, ConfigError, TransferError
from ..tasks import ExecutorChoice, python_task
from .endpoints import Endpoint, endpoint_declarations, resolve_endpoint


def _check_waits(timeout: Any, polling_interval: Any) -> None:
    for name, value in (("timeout", timeout), ("polling_interval", polling_interval)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


def _resolve_pair(src_ep: str, dst_ep: str, provider: str | None,
                  config: ConfigSource | ConfigDocument) -> tuple[Endpoint, Endpoint]:
    declarations = endpoint_declarations(config)
    resolved, problems = [], []
    for name in (src_ep, dst_ep):
        try:
            resolved.append(resolve_endpoint(name, provider=provider, declarations=declarations))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    src, dst = resolved
    if src.provider != dst.provider:
        raise TransferError(f"no transfer provider serves both endpoints: '{src.name}' is served by "
                            f"'{src.provider}' and '{dst.name}' by '{dst.provider}'; stage the data through an "
                            f"endpoint that both sides can reach")
    return src, dst


def _provider(name: str) -> Any:
    from ..plugins.manager import get_plugin_manager

    try:
        return get_plugin_manager().lookup("transfer_providers", name).build()
    except ChiltepinError as exc:
        raise TransferError(str(exc)) from None


def _finish(result: Any, what: str) -> bool:
    if result is not True:
        raise TransferError(f"{what}: the transfer provider reported failure ({result!r})")
    return True


def run_transfer(provider: str, src: Mapping[str, Any], dst: Mapping[str, Any], src_path: str, dst_path: str,
                 timeout: float, polling_interval: float, recursive: bool, options: Mapping[str, Any]) -> bool:
    """Run one transfer with already resolved endpoints (what a transfer task runs on its worker)."""
    what = f"transfer {src['name']}:{src_path} -> {dst['name']}:{dst_path}"
    try:
        result = _provider(provider).transfer(src, dst, src_path, dst_path, timeout=timeout,
                                              polling_interval=polling_interval, recursive=recursive, **options)
    except ChiltepinError:
        raise
    except Exception as exc:
        raise TransferError(f"{what} failed in transfer provider '{provider}': {type(exc).__name__}: {exc}") from exc
    return _finish(result, what)


def run_delete(provider: str, target: Mapping[str, Any], path: str, timeout: float, polling_interval: float,
               recursive: bool, options: Mapping[str, Any]) -> bool:
    """Run one deletion with an already resolved endpoint (what a delete task runs on its worker)."""
    what = f"delete {target['name']}:{path}"
    try:
        result = _provider(provider).delete(target, path, timeout=timeout, polling_interval=polling_interval,
                                            recursive=recursive, **options)
    except ChiltepinError:
        raise
    except Exception as exc:
        raise TransferError(f"{what} failed in transfer provider '{provider}': {type(exc).__name__}: {exc}") from exc
    return _finish(result, what)


def transfer(src_ep: str, dst_ep: str, src_path: str, dst_path: str, timeout: float = 3600,
             polling_interval: float = 30, recursive: bool = False, *, provider: str | None = None,
             config: ConfigSource | ConfigDocument = None, **options: Any) -> bool:
    """Copy ``src_path`` on endpoint ``src_ep`` to ``dst_path`` on ``dst_ep``; return True.

    ``recursive=True`` copies a directory tree. ``provider`` forces the transfer provider;
    ``config`` (a path, mapping or document) supplies ``transfer_endpoints:`` instead of the
    running workflow. Other keywords are the provider's own options (``verify_checksum=True``
    for ``local``). Raises TransferError (or ConfigError for a bad declaration) naming what failed.
    """
    _check_waits(timeout, polling_interval)
    src, dst = _resolve_pair(src_ep, dst_ep, provider, config)
    return run_transfer(src.provider, src.as_mapping(), dst.as_mapping(), src_path, dst_path, timeout,
                        polling_interval, recursive, options)


def delete(src_ep: str, src_path: str, timeout: float = 3600, polling_interval: float = 30,
           recursive: bool = False, *, provider: str | None = None, config: ConfigSource | ConfigDocument = None,
           **options: Any) -> bool:
    """Delete ``src_path`` on endpoint ``src_ep`` (a directory needs ``recursive=True``); return True."""
    _check_waits(timeout, polling_interval)
    target = resolve_endpoint(src_ep, provider=provider, declarations=endpoint_declarations(config))
    return run_delete(target.provider, target.as_mapping(), src_path, timeout, polling_interval, recursive, options)


@python_task
def _transfer_on_worker(provider: str, src: Mapping[str, Any], dst: Mapping[str, Any], src_path: str, dst_path: str,
                        timeout: float, polling_interval: float, recursive: bool, options: Mapping[str, Any],
                        inputs: Sequence[Any] = ()) -> bool:
    return run_transfer(provider, src, dst, src_path, dst_path, timeout, polling_interval, recursive, options)


@python_task
def _delete_on_worker(provider: str, target: Mapping[str, Any], path: str, timeout: float, polling_interval: float,
                      recursive: bool, options: Mapping[str, Any], inputs: Sequence[Any] = ()) -> bool:
    return run_delete(provider, target, path, timeout, polling_interval, recursive, options)


def transfer_task(src_ep: str, dst_ep: str, src_path: str, dst_path: str, timeout: float = 3600,
                  polling_interval: float = 30, recursive: bool = False, *, provider: str | None = None,
                  config: ConfigSource | ConfigDocument = None, executor: ExecutorChoice = None,
                  inputs: Sequence[Any] | None = None, **options: Any) -> Any:
    """:func:`transfer` as a task on ``executor`` (default: any resource), after ``inputs`` finish.

    Endpoints are resolved now, in this process; the returned future resolves to True.
    """
    _check_waits(timeout, polling_interval)
    src, dst = _resolve_pair(src_ep, dst_ep, provider, config)
    return _transfer_on_worker(src.provider, src.as_mapping(), dst.as_mapping(), src_path, dst_path, timeout,
                               polling_interval, recursive, options, executor=executor, inputs=list(inputs or ()))


def delete_task(src_ep: str, src_path: str, timeout: float = 3600, polling_interval: float = 30,
                recursive: bool = False, *, provider: str | None = None, config: ConfigSource | ConfigDocument = None,
                executor: ExecutorChoice = None, inputs: Sequence[Any] | None = None, **options: Any) -> Any:
    """:func:`delete` as a task on ``executor`` (default: any resource), after ``inputs`` finish."""
    _check_waits(timeout, polling_interval)
    target = resolve_endpoint(src_ep, provider=provider, declarations=endpoint_declarations(config))
    return _delete_on_worker(target.provider, target.as_mapping(), src_path, timeout, polling_interval, recursive,
                             options, executor=executor, inputs=list(inputs or ()))
