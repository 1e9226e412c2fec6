"""The ``chiltepin login``, ``chiltepin logout`` and ``chiltepin endpoint ...`` commands.

The Globus SDK is imported when a command runs, not when the parsers are built.
"""

from __future__ import annotations

import argparse
import sys

from chiltepin.plugins import ChiltepinError, Subcommand

from . import endpoint as endpoints


def _fail(message: str) -> int:
    print(f"chiltepin: error: {message}", file=sys.stderr)
    return 1


# -- login / logout --------------------------------------------------------------------------

def _login_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="log in again even if the stored tokens are valid")
    parser.add_argument("--scope", action="append", default=[], metavar="SCOPE",
                        help="also consent to this scope (repeatable), as asked for by a ConsentRequired error")


def run_login(args: argparse.Namespace) -> int:
    import globus_sdk
    from globus_sdk.gare import GlobusAuthorizationParameters
    from globus_sdk.login_flows import CommandLineLoginFlowEOFError

    from .auth import GlobusAuthError, globus_app, service_credentials, token_file

    try:
        app = globus_app(interactive=True, extra_scopes=args.scope)
        if not (args.force or args.scope) and not app.login_required():
            print(f"Already logged in to Globus (tokens in {token_file()}).")
            return 0
        params = GlobusAuthorizationParameters(required_scopes=args.scope) if args.scope else None
        app.login(auth_params=params, force=args.force)
    except CommandLineLoginFlowEOFError:
        return _fail("logging in needs a terminal to paste the authorization code into; run "
                     "`chiltepin login` interactively (or set GLOBUS_COMPUTE_CLIENT_ID/SECRET for a service client)")
    except (GlobusAuthError, globus_sdk.GlobusAPIError, globus_sdk.GlobusConnectionError) as exc:
        return _fail(f"Globus login failed: {exc}")
    path = token_file()
    if path.exists():
        path.chmod(0o600)
    service = service_credentials()
    who = f"as service client {service[0]}" if service else "to Globus"
    print(f"Logged in {who}; tokens stored in {path}.")
    return 0


def run_logout(args: argparse.Namespace) -> int:
    import globus_sdk

    from .auth import GlobusAuthError, globus_app, token_file

    path = token_file()
    try:
        app = globus_app()
        app.logout(sweep=True)
    except (GlobusAuthError, globus_sdk.GlobusAPIError, globus_sdk.GlobusConnectionError) as exc:
        path.unlink(missing_ok=True)
        print(f"Removed the local tokens ({path}); revoking them with Globus failed: {exc}", file=sys.stderr)
        return 1
    path.unlink(missing_ok=True)
    print("Logged out of Globus; tokens revoked and removed.")
    return 0


# -- endpoint --------------------------------------------------------------------------------

def _endpoint_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-c", "--config", metavar="DIR", default=None,
                        help="endpoint configuration directory (default: ~/.globus_compute)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    configure = actions.add_parser("configure", help="create an endpoint with chiltepin's configuration template")
    actions.add_parser("list", help="list the endpoints configured here, with their status and UUID")
    start = actions.add_parser("start", help="start an endpoint in the background")
    stop = actions.add_parser("stop", help="stop a running endpoint")
    delete = actions.add_parser("delete", help="stop and delete an endpoint")
    for sub in (configure, start, stop, delete):
        sub.add_argument("name", metavar="NAME", help="endpoint name")
    for sub in (start, stop, delete):
        sub.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                         help="seconds to wait for the endpoint (default: 60)")


def run_endpoint(args: argparse.Namespace) -> int:
    directory = endpoints.config_dir(args.config)
    try:
        if args.action == "configure":
            path = endpoints.configure(args.name, directory)
            print(f"Configured endpoint '{args.name}' in {path}; start it with `chiltepin endpoint start {args.name}`.")
        elif args.action == "list":
            found = endpoints.endpoints(directory)
            if not found:
                print(f"No endpoints are configured in {directory}.")
            for name, info in sorted(found.items()):
                print(f"{name:24} {info.get('status', '?'):12} {info.get('id') or '-'}")
        elif args.action == "start":
            endpoints.start(args.name, directory, timeout=args.timeout)
            print(f"Endpoint '{args.name}' is running.")
        elif args.action == "stop":
            endpoints.stop(args.name, directory, timeout=args.timeout)
            print(f"Endpoint '{args.name}' is stopped.")
        else:
            endpoints.delete(args.name, directory, timeout=args.timeout)
            print(f"Endpoint '{args.name}' is deleted.")
    except ChiltepinError as exc:
        return _fail(str(exc))
    return 0


SUBCOMMANDS = [
    Subcommand("login", "Log in to Globus (Compute and Transfer) and store the tokens",
               _login_parser, run_login),
    Subcommand("logout", "Revoke and remove the stored Globus tokens", lambda parser: None, run_logout),
    Subcommand("endpoint", "Configure, list, start, stop or delete Globus Compute endpoints on this machine",
               _endpoint_parser, run_endpoint),
]
