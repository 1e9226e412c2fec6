"""Academy exchange factories for the ``agents.exchange`` choices, and a reachability check."""

from __future__ import annotations

from typing import Any

from .errors import ExchangeUnreachableError
from .settings import MISSED_HEARTBEATS, AgentOptions

#: Seconds to wait for the exchange server to answer before calling it unreachable.
CONNECT_TIMEOUT = 5.0


def exchange_factory(options: AgentOptions) -> Any:
    """The Academy exchange factory for ``options`` (its clients beat every ``heartbeat`` seconds)."""
    from academy.exchange.client_config import ExchangeClientConfig

    config = ExchangeClientConfig(heartbeat_interval=options.heartbeat, stale_heartbeat_threshold=MISSED_HEARTBEATS)
    if options.exchange == "local":
        from academy.exchange import LocalExchangeFactory

        return LocalExchangeFactory(config=config)
    from academy.exchange import RedisExchangeFactory

    host, port = options.host_port
    # Academy waits for messages with a blocking pop without end; redis-py 8 would otherwise give
    # every read a 5 s socket timeout and end each idle agent with a TimeoutError.
    return RedisExchangeFactory(host, port, config=config, socket_timeout=None)


def check_reachable(options: AgentOptions) -> None:
    """Raise :class:`ExchangeUnreachableError` naming ``agents.address`` when the server does not answer."""
    if not options.networked:
        return
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    host, port = options.host_port
    # One attempt: redis-py's default retries with backoff would only delay the answer by seconds.
    client = redis.Redis(host=host, port=port, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT,
                         retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ExchangeUnreachableError(
            f"agents.address: the Redis exchange at {options.address} does not answer ({exc}); start redis-server "
            f"there (bound to an address every agent host reaches) or correct agents.address") from None
    finally:
        client.close()
