"""Stopping agents with the workflow they run on, from whichever thread stops it.

A workflow's cleanup may run in the thread of the event loop the manager and its in-process
agents live in (a ``with Workflow`` block inside a coroutine), in another thread, or while a
signal unwinds the main thread; nothing here waits on that loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from .exchange import exchange_factory
from .settings import AgentOptions

logger = logging.getLogger(__name__)

#: Seconds a stopping workflow waits for its hosted agents to shut down (and clean up their own
#: workflows) before its workers are stopped under them.
STOP_TIMEOUT = 30.0


def call_in_loop(loop: asyncio.AbstractEventLoop, function: Callable[..., Any], *args: Any) -> None:
    """Run ``function(*args)`` in ``loop``: now when called from it, else as soon as it runs.

    A closed loop is ignored: what lived in it is gone already.
    """
    try:
        current = asyncio.get_running_loop()
    except RuntimeError:
        current = None
    if current is loop:
        function(*args)
    else:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(function, *args)


def request_shutdowns(options: AgentOptions, agent_ids: Iterable[Any], timeout: float = STOP_TIMEOUT) -> None:
    """Ask agents to shut down through a client of their own, in a thread with its own event loop
    (so it also works while the manager's loop is blocked in a cleanup); waits at most ``timeout``."""
    from academy.exception import AgentTerminatedError
    from academy.handle import Handle

    ids = list(agent_ids)

    async def send() -> None:
        client = await exchange_factory(options).create_user_client()
        try:
            for agent_id in ids:
                with contextlib.suppress(AgentTerminatedError):  # it stopped already
                    await Handle(agent_id, exchange=client, ignore_context=True).shutdown()
        finally:
            await client.close()

    def run() -> None:
        try:
            asyncio.run(send())
        except Exception as exc:  # the agents then end with their workers
            logger.warning("could not ask agents %s to shut down: %r", ids, exc)

    thread = threading.Thread(target=run, name="chiltepin-agents-stop", daemon=True)
    thread.start()
    thread.join(timeout)
