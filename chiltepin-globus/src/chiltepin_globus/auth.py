"""Globus credentials: one app (Compute + Transfer scopes) whose tokens live in a private file.

``chiltepin login`` fills the token file; everything else only reads it. Outside ``login``
no interactive login ever starts (a worker has no one to type a code), so missing or expired
tokens are an error telling the user to run ``chiltepin login``.

A service client (confidential app) is used instead of a user login when
``GLOBUS_COMPUTE_CLIENT_ID`` and ``GLOBUS_COMPUTE_CLIENT_SECRET`` are set; its tokens are
fetched without interaction. The environment is read, never written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import globus_sdk
from chiltepin.plugins import ChiltepinError
from globus_sdk.scopes import ComputeScopes, TransferScopes
from globus_sdk.token_storage import JSONTokenStorage, TokenValidationError

APP_NAME = "chiltepin"
#: Public native client used for user logins unless CHILTEPIN_GLOBUS_CLIENT_ID names another
#: (the Globus Compute SDK's own native client).
DEFAULT_CLIENT_ID = "4cf29807-cf21-49ec-9443-ff9a3fb9f81c"
TOKEN_FILE_VARIABLE = "CHILTEPIN_GLOBUS_TOKEN_FILE"
SERVICE_ID_VARIABLE = "GLOBUS_COMPUTE_CLIENT_ID"
SERVICE_SECRET_VARIABLE = "GLOBUS_COMPUTE_CLIENT_SECRET"

SCOPES: dict[str, list[str]] = {
    ComputeScopes.resource_server: [str(ComputeScopes.all)],
    TransferScopes.resource_server: [str(TransferScopes.all)],
}


class GlobusAuthError(ChiltepinError, RuntimeError):
    """Globus credentials are missing, expired or unreadable; the message says what to do."""


def token_file(environ: Mapping[str, str] | None = None) -> Path:
    """Where chiltepin keeps Globus tokens: ``$CHILTEPIN_GLOBUS_TOKEN_FILE`` or
    ``~/.chiltepin/globus/tokens.json`` (created with mode 0600)."""
    env = os.environ if environ is None else environ
    explicit = env.get(TOKEN_FILE_VARIABLE)
    return Path(explicit).expanduser() if explicit else Path.home() / ".chiltepin" / "globus" / "tokens.json"


def service_credentials(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(client id, secret) of a service client from the environment, or None for a user login."""
    env = os.environ if environ is None else environ
    client_id, secret = env.get(SERVICE_ID_VARIABLE), env.get(SERVICE_SECRET_VARIABLE)
    if bool(client_id) != bool(secret):
        missing = SERVICE_SECRET_VARIABLE if client_id else SERVICE_ID_VARIABLE
        raise GlobusAuthError(f"{missing} is not set but its partner is; set both for a service client, "
                              f"or neither for a user login")
    return (client_id, secret) if client_id and secret else None


def check_token_file(path: Path) -> None:
    """Raise GlobusAuthError if the token file exists but cannot be read as tokens."""
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GlobusAuthError(f"cannot read the Globus token file {path}: {exc.strerror}; fix its permissions "
                              f"(chmod 600) or remove it and run `chiltepin login`") from None
    except ValueError as exc:
        raise GlobusAuthError(f"the Globus token file {path} is not valid JSON ({exc}); remove it and run "
                              f"`chiltepin login`") from None
    if not isinstance(data, dict):
        raise GlobusAuthError(f"the Globus token file {path} does not hold tokens; remove it and run "
                              f"`chiltepin login`")


def globus_app(*, interactive: bool = False, extra_scopes: Iterable[str] = (),
               environ: Mapping[str, str] | None = None) -> globus_sdk.GlobusApp:
    """The Globus app behind every chiltepin client.

    ``interactive=True`` (``chiltepin login`` only) lets the app run a login flow when tokens
    are missing; otherwise a missing token raises ``TokenValidationError`` that
    :func:`require_login` turns into advice. ``extra_scopes`` are added to Transfer's
    requirements (data-access consents asked for by a ConsentRequired error).
    """
    env = os.environ if environ is None else environ
    path = token_file(env)
    check_token_file(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scopes = {rs: list(s) for rs, s in SCOPES.items()}
    scopes[TransferScopes.resource_server] += list(extra_scopes)
    storage = JSONTokenStorage(path)
    credentials = service_credentials(env)
    if credentials is not None:
        config = globus_sdk.GlobusAppConfig(token_storage=storage)
        return globus_sdk.ClientApp(APP_NAME, client_id=credentials[0], client_secret=credentials[1],
                                    scope_requirements=scopes, config=config)
    config_kwargs: dict = {"token_storage": storage, "request_refresh_tokens": True}
    if not interactive:
        config_kwargs["token_validation_error_handler"] = None
    return globus_sdk.UserApp(APP_NAME, client_id=env.get("CHILTEPIN_GLOBUS_CLIENT_ID", DEFAULT_CLIENT_ID),
                              scope_requirements=scopes, config=globus_sdk.GlobusAppConfig(**config_kwargs))


def require_login(app: globus_sdk.GlobusApp, service: str) -> None:
    """Raise GlobusAuthError telling the user to run ``chiltepin login`` if ``app`` has no usable
    tokens for ``service`` (a resource server). Never starts a login flow."""
    if isinstance(app, globus_sdk.ClientApp):
        return  # service clients fetch their tokens without interaction
    try:
        app.get_authorizer(service)
    except TokenValidationError as exc:
        raise GlobusAuthError(login_advice(f"no valid Globus tokens for {service} ({exc})")) from None


def login_advice(reason: str) -> str:
    return (f"{reason}. Run `chiltepin login` in a terminal on the submitting machine "
            f"(tokens are kept in {token_file()}), or set {SERVICE_ID_VARIABLE}/{SERVICE_SECRET_VARIABLE} "
            f"for a service client.")
