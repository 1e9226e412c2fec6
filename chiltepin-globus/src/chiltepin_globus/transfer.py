"""The ``globus`` transfer provider: copy and delete through Globus Transfer.

Endpoints (collections) are named by UUID or by display name; a display name that matches
several collections is an error listing them. Credentials come from chiltepin's token file
(see :mod:`chiltepin_globus.auth`), read by whatever process runs the transfer: a worker reads
the file itself, no token travels with a task, and no login is ever started here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import globus_sdk
from chiltepin.plugins import TransferError
from globus_sdk.token_storage import TokenValidationError

from .auth import globus_app, login_advice, require_login
from .settings import UUID_PATTERN

_UUID = re.compile(UUID_PATTERN)


def _reference(target: Mapping[str, Any] | str) -> str:
    if isinstance(target, str):
        return target
    ref = target.get("endpoint") or target.get("id") or target.get("name")
    if not isinstance(ref, str) or not ref:
        raise TransferError(f"Globus endpoint entry {dict(target)!r} names no collection; give 'endpoint: "
                            f"<display name or UUID>'")
    return ref


class GlobusTransferer:
    """Implements the core ``Transferer`` protocol over a Globus ``TransferClient``.

    ``client_factory`` returns the TransferClient to use (default: one built on chiltepin's
    stored login, checked before any request).
    """

    def __init__(self, client_factory: Callable[[], globus_sdk.TransferClient] | None = None):
        self.client_factory = client_factory

    def client(self) -> globus_sdk.TransferClient:
        if self.client_factory is not None:
            return self.client_factory()
        app = globus_app()
        require_login(app, globus_sdk.TransferClient.resource_server)
        return globus_sdk.TransferClient(app=app)

    # -- endpoint names -------------------------------------------------------------------

    def resolve(self, client: globus_sdk.TransferClient, target: Mapping[str, Any] | str) -> str:
        """The collection UUID for a UUID or display name; errors name the endpoint."""
        ref = _reference(target)
        if _UUID.fullmatch(ref):
            return ref.lower()
        found = _call(lambda: client.endpoint_search(ref, filter_non_functional=False, limit=100),
                      f"looking up Globus endpoint '{ref}'")
        matches = [ep for ep in found["DATA"] if ep.get("display_name") == ref]
        if not matches:
            raise TransferError(f"Globus endpoint '{ref}': no collection has this display name (give its UUID, "
                                f"or check the name in the Globus web app)")
        if len(matches) > 1:
            listed = "; ".join(f"{ep['id']} (owner {ep.get('owner_string', '?')})" for ep in matches)
            raise TransferError(f"Globus endpoint '{ref}' is ambiguous: {len(matches)} collections have this "
                                f"display name: {listed}. Use the UUID of the one you mean.")
        return matches[0]["id"]

    # -- operations ----------------------------------------------------------------------

    def transfer(self, src: Mapping[str, Any] | str, dst: Mapping[str, Any] | str, src_path: str,
                 dst_path: str, *, timeout: float = 3600, polling_interval: float = 30,
                 recursive: bool = False, **options: Any) -> bool:
        """Copy ``src_path`` on ``src`` to ``dst_path`` on ``dst`` and wait; True when done.

        ``options`` go to Globus's TransferData (``label``, ``sync_level``, ``verify_checksum``,
        ...). A timeout cancels the Globus task and raises TransferError.
        """
        _check_waits(timeout, polling_interval)
        client = self.client()
        src_id, dst_id = self.resolve(client, src), self.resolve(client, dst)
        what = f"transfer {_reference(src)}:{src_path} -> {_reference(dst)}:{dst_path}"
        data = globus_sdk.TransferData(src_id, dst_id, **options)
        data.add_item(src_path, dst_path, recursive=recursive)
        task = _call(lambda: client.submit_transfer(data), what)
        return self._wait(client, task["task_id"], what, timeout, polling_interval)

    def delete(self, target: Mapping[str, Any] | str, path: str, *, timeout: float = 3600,
               polling_interval: float = 30, recursive: bool = False, **options: Any) -> bool:
        """Delete ``path`` on ``target`` and wait; True when done (same errors as transfer)."""
        _check_waits(timeout, polling_interval)
        client = self.client()
        target_id = self.resolve(client, target)
        what = f"delete {_reference(target)}:{path}"
        data = globus_sdk.DeleteData(target_id, recursive=recursive, **options)
        data.add_item(path)
        task = _call(lambda: client.submit_delete(data), what)
        return self._wait(client, task["task_id"], what, timeout, polling_interval)

    def _wait(self, client: globus_sdk.TransferClient, task_id: str, what: str, timeout: float,
              polling_interval: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            task = _call(lambda: client.get_task(task_id), what)
            status = task["status"]
            if status == "SUCCEEDED":
                return True
            if status == "FAILED":
                reason = task.get("fatal_error") or {}
                detail = reason.get("description") or task.get("nice_status_details") or task.get("nice_status")
                raise TransferError(f"{what} failed (Globus task {task_id}): {detail or 'no details given'}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                cancelled = _cancel(client, task_id)
                raise TransferError(f"{what} timed out after {timeout:g} s; the Globus task {task_id} "
                                    f"{cancelled}. Raise timeout= for large data.")
            time.sleep(min(polling_interval, remaining))


def _check_waits(timeout: float, polling_interval: float) -> None:
    if timeout <= 0 or polling_interval <= 0:
        raise ValueError(f"timeout and polling_interval must be positive seconds, got {timeout!r} and "
                         f"{polling_interval!r}")


def _cancel(client: globus_sdk.TransferClient, task_id: str) -> str:
    try:
        client.cancel_task(task_id)
        return "was cancelled"
    except globus_sdk.GlobusAPIError as exc:
        return f"could not be cancelled ({exc.code}: {exc.message}); cancel it in the Globus web app"


def _call(fn: Callable[[], Any], what: str) -> Any:
    """Run one Transfer request, turning service errors into TransferError with advice."""
    try:
        return fn()
    except globus_sdk.TransferAPIError as exc:
        if exc.code == "ConsentRequired":
            scopes = _required_scopes(exc)
            hint = " ".join(f"--scope '{s}'" for s in scopes) or "--force"
            raise TransferError(f"{what}: Globus needs your consent to access this collection's data. Log in "
                                f"again granting it: `chiltepin login {hint}`, then retry.") from None
        if exc.http_status in (401, 403) and exc.code in ("AuthenticationFailed", "ClientError.AuthenticationFailed"):
            raise TransferError(f"{what}: {login_advice('Globus rejected the stored credentials')}") from None
        raise TransferError(f"{what}: Globus Transfer error {exc.http_status} {exc.code}: {exc.message}") from None
    except globus_sdk.AuthAPIError as exc:  # refreshing the stored tokens failed
        reason = f"Globus Auth refused to renew the stored credentials ({exc.http_status} {exc.code})"
        raise TransferError(f"{what}: {login_advice(reason)}") from None
    except TokenValidationError as exc:
        raise TransferError(f"{what}: {login_advice(f'no valid Globus tokens ({exc})')}") from None
    except globus_sdk.GlobusConnectionError as exc:
        raise TransferError(f"{what}: cannot reach Globus Transfer: {exc}") from None


def _required_scopes(exc: globus_sdk.TransferAPIError) -> list[str]:
    info = exc.info.consent_required
    scopes = getattr(info, "required_scopes", None) if info else None
    return list(scopes or [])

