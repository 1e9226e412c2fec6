"""Fixtures of the Globus tests: loopback stand-ins for the Globus cloud, a real RabbitMQ, and a
private token file. Nothing here contacts a Globus host: globus-sdk clients are pointed at the
Transfer/Auth stand-in with ``GLOBUS_SDK_SERVICE_URL_AUTH``/``_TRANSFER`` (inherited by worker
processes), and the Compute SDK at its stand-in with ``GLOBUS_SDK_ENVIRONMENT=local``
(http://localhost:5000; an environment registered below for globus-sdk, whose other services
resolve under the reserved ``.invalid`` domain)."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Every test module here starts with pytest.importorskip("chiltepin_globus"): without the plugin
# they are skipped with that reason (a failure under CI=true), and this file imports no Globus code.
RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
COMPUTE_PORT = 5000  # what the Compute SDK uses for GLOBUS_SDK_ENVIRONMENT=local


def _local_environment(url: str) -> None:
    """Register globus-sdk's missing 'local' environment (the Compute SDK's 'local' is
    http://localhost:5000): Auth and Transfer at ``url``, anything else under ``.invalid``."""
    from globus_sdk.config.environments import EnvConfig

    local = EnvConfig.get_by_name("local") or type("LocalEnvConfig", (EnvConfig,),
                                                    {"envname": "local", "domain": "invalid"})
    local.auth_url = local.transfer_url = url


def _free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory):
    """A RabbitMQ broker on 127.0.0.1 (stand-in for compute.amqps.globus.org), started by
    scripts/rabbitmq/start.sh for the session and stopped afterwards."""
    if not RABBITMQ_SERVER.exists():
        pytest.skip("rabbitmq-server is not installed (scripts/install-system-deps.sh installs it)")
    port = next(p for p in random.sample(range(20000, 29000), 50) if _free(p) and _free(p + 20000))
    directory = tmp_path_factory.mktemp("rabbitmq")
    started = subprocess.run([REPO / "scripts/rabbitmq/start.sh", directory, str(port)], capture_output=True,
                             text=True, timeout=120)
    if started.returncode != 0:
        subprocess.run([REPO / "scripts/rabbitmq/stop.sh", directory], timeout=60)
        pytest.fail(f"RabbitMQ did not start: {started.stderr.strip()}")
    yield f"amqp://guest:guest@127.0.0.1:{port}/%2F"
    subprocess.run([REPO / "scripts/rabbitmq/stop.sh", directory], timeout=60)


@pytest.fixture(scope="session")
def transfer_service():
    from globus_transfer_service import TransferAuthService

    service = TransferAuthService()
    _local_environment(service.url)
    yield service
    service.close()


@pytest.fixture(scope="session")
def compute_service(rabbitmq):
    from globus_compute_service import KNOWN_ENDPOINT, ComputeService

    if not _free(COMPUTE_PORT):
        pytest.fail(f"port {COMPUTE_PORT} on 127.0.0.1 is busy; the Compute stand-in needs it")
    service = ComputeService(rabbitmq, {KNOWN_ENDPOINT}, port=COMPUTE_PORT)
    yield service
    service.close()


@pytest.fixture
def globus_env(monkeypatch, tmp_path, transfer_service):
    """Point Globus Auth and Transfer clients at the stand-in and keep tokens in a private file."""
    for name in ("GLOBUS_COMPUTE_CLIENT_ID", "GLOBUS_COMPUTE_CLIENT_SECRET", "GLOBUS_SDK_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_AUTH", transfer_service.url)
    monkeypatch.setenv("GLOBUS_SDK_SERVICE_URL_TRANSFER", transfer_service.url)
    monkeypatch.setenv("CHILTEPIN_GLOBUS_TOKEN_FILE", str(tmp_path / "globus" / "tokens.json"))
    return tmp_path / "globus" / "tokens.json"


@pytest.fixture
def stored_tokens(globus_env, transfer_service):
    """A token file as `chiltepin login` leaves it, with tokens the Transfer stand-in accepts."""
    from chiltepin_globus.auth import SCOPES
    from globus_sdk.token_storage import JSONTokenStorage, TokenStorageData

    expires = int(time.time()) + 3600
    data = {}
    for server, scopes in {**SCOPES, "auth.globus.org": ["openid"]}.items():
        token = f"AT-stored-{server}"
        transfer_service.valid_tokens.add(token)
        data[server] = TokenStorageData(resource_server=server, identity_id=transfer_service.identity,
                                        scope=" ".join(scopes), access_token=token, refresh_token=f"RT-{server}",
                                        expires_at_seconds=expires, token_type="Bearer")
    globus_env.parent.mkdir(parents=True, exist_ok=True)
    JSONTokenStorage(globus_env).store_token_data_by_resource_server(data)
    return {server: d.access_token for server, d in data.items()}


@pytest.fixture(autouse=True)
def _no_globus_host(monkeypatch):
    """Fail fast instead of resolving a real Globus host name if something escapes the stand-ins."""
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(("globus.org", "globuscs.info", "funcx.org")):
            raise OSError(f"test tried to contact {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
