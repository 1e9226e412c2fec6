"""Launching agents: :class:`AgentRuntime` (a workflow's agent setup) and its :class:`Manager`.

An agent launched on a resource runs as one long task on that resource's workers, talking
through a networked exchange; one launched without a resource runs in this process. The manager
watches every hosted agent: when its task ends abnormally (worker killed, block cancelled) or it
misses its heartbeats, calls through its handle fail with :class:`AgentLostError`. When the
workflow an agent runs on stops, the agent stops first and its handle says so
(:class:`AgentStoppedError`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, InvalidStateError
from dataclasses import dataclass, field
from typing import Any

from academy.exception import AgentTerminatedError
from academy.exchange.mailbox_status import MailboxStatus
from academy.handle import Handle
from academy.identifier import AgentId
from academy.manager import Manager as AcademyManager
from chiltepin.errors import did_you_mean

from .decorators import AGENT_MARK, WORKFLOW_KWARG, is_chiltepin_agent
from .errors import AgentDefinitionError, AgentLaunchError, AgentLostError, AgentStoppedError
from .exchange import check_reachable, exchange_factory
from .lifecycle import STOP_TIMEOUT, call_in_loop, request_shutdowns
from .settings import MISSED_HEARTBEATS, AgentOptions, resolve_agent_options

logger = logging.getLogger(__name__)

IN_PROCESS = "event_loop"  # Academy's name for "run the agent in this event loop"
_AGENT_KWARG = "_chiltepin_agent_id"  # passed through Academy's submit_kwargs to our executor


class AgentRuntime:
    """The agent setup of one workflow: which resources may host agents and the exchange.

    ``workflow`` is a running :class:`chiltepin.Workflow` (or None: agents in this process only).
    ``executor_names`` limits the resources that may host agents (default: all of the
    workflow's). ``exchange``, ``address``, ``resource`` and ``heartbeat`` override the file's
    ``agents:`` block. Use ``async with await runtime.manager() as manager:``.
    """

    def __init__(self, workflow: Any = None, executor_names: Sequence[str] | None = None, *,
                 exchange: str | None = None, address: str | None = None, resource: str | None = None,
                 heartbeat: float | None = None):
        block = workflow.document.blocks.get("agents", {}) if workflow is not None else {}
        self.options: AgentOptions = resolve_agent_options(
            block, {"exchange": exchange, "address": address, "resource": resource, "heartbeat": heartbeat})
        self.workflow = workflow
        self.hosts = self._hosts(executor_names)

    def _hosts(self, names: Sequence[str] | None) -> list[str]:
        if self.workflow is None:
            if names or self.options.resource:
                raise AgentLaunchError("agents on resources need a workflow: AgentRuntime(workflow, ...)")
            return []
        known = list(self.workflow.executors)
        hosts = list(known if names is None else names)
        for name in [*hosts, *([self.options.resource] if self.options.resource else [])]:
            if name not in known or name not in hosts:
                raise AgentLaunchError(f"agents.resource / executor_names: unknown resource '{name}'"
                                       f"{did_you_mean(name, hosts)}; resources that may host agents: "
                                       f"{', '.join(hosts) or 'none'}")
        return hosts

    async def manager(self) -> Manager:
        """A manager over this runtime's exchange; it stops its agents when it exits."""
        await asyncio.to_thread(check_reachable, self.options)
        client = await exchange_factory(self.options).create_user_client()
        return Manager(client, runtime=self)


@dataclass
class _AgentRecord:
    """What the manager knows of one launched agent."""

    name: str
    agent_id: AgentId[Any]
    resource: str | None
    lost: AgentLostError | None = None
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    on_lost: list[Callable[[], None]] = field(default_factory=list)
    seen_alive: bool = False
    task: Future[Any] | None = None  # the task hosting the agent on its resource

    @property
    def where(self) -> str:
        place = f"on resource '{self.resource}'" if self.resource is not None else "in this process"
        return f"agent '{self.name}' ({self.agent_id.uid}) {place}"

    def mark_lost(self, why: str) -> None:
        self._end(AgentLostError(f"{self.where} is lost: {why}", agent=self.name, resource=self.resource))

    def mark_stopped(self, why: str) -> None:
        self._end(AgentStoppedError(f"{self.where} has stopped: {why}; launch it again to use it",
                                    agent=self.name, resource=self.resource))

    def _end(self, error: AgentLostError) -> None:
        if self.lost is None:
            self.lost = error
            logger.warning("%s", error)
            self.gone.set()
            for callback in self.on_lost:
                callback()


class AgentHandle(Handle):
    """An Academy handle whose calls fail with :class:`AgentLostError` once the agent's host is gone.

    Passed to another agent it travels as a plain Academy handle.
    """

    def __init__(self, agent_id: AgentId[Any], records: Mapping[AgentId[Any], _AgentRecord]):
        super().__init__(agent_id)
        self._records = records

    async def action(self, action: str, /, *args: Any, **kwargs: Any) -> Any:
        record = self._records.get(self.agent_id)
        if record is None:
            return await super().action(action, *args, **kwargs)
        if record.lost is not None:
            raise record.lost
        call: asyncio.Future[Any] = asyncio.ensure_future(super().action(action, *args, **kwargs))
        gone = asyncio.ensure_future(record.gone.wait())
        try:
            await asyncio.wait({call, gone}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            call.cancel()
            raise
        finally:
            gone.cancel()
        if not call.done():
            call.cancel()
        if record.lost is not None:
            raise record.lost
        try:
            return call.result()
        except AgentTerminatedError as exc:
            record.mark_stopped("it shut down (its mailbox is closed)")
            assert record.lost is not None
            raise record.lost from exc


class _ResourceExecutor(Executor):
    """Runs Academy's agent entry point as one long task on a resource's workers.

    The future it returns always completes without error; a task that ends abnormally marks the
    agent lost instead, so that the manager still closes cleanly.
    """

    def __init__(self, manager: Manager, dfk: Any, resource: str):
        from parsl.app.python import PythonApp

        self._manager = manager
        self._app = PythonApp(_host_agent, executors=[resource], data_flow_kernel=dfk)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        record = self._manager._records[kwargs.pop(_AGENT_KWARG)]
        done: Future[Any] = Future()
        task = record.task = self._app(fn, *args, **kwargs)
        loop = self._manager._loop

        def finished(task: Future[Any]) -> None:
            exc = task.exception()
            if exc is not None:
                loop.call_soon_threadsafe(record.mark_lost, f"its task ended with {type(exc).__name__}: {exc}")
            _settle(done)

        record.on_lost.append(lambda: _settle(done))
        task.add_done_callback(finished)
        return done

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to do: the workflow owns the workers (its cleanup stops them)."""


def _settle(done: Future[Any]) -> None:
    """Complete ``done`` unless the other side (task end or loss) already did."""
    with contextlib.suppress(InvalidStateError):
        done.set_result(None)


def _host_agent(run: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """The task that hosts an agent on a worker: runs until the agent stops."""
    run(*args, **kwargs)


class Manager(AcademyManager):
    """Academy's manager, launching ``@chiltepin_agent`` classes on the runtime's resources.

    ``launch()`` takes the agent's workflow settings (``agent_workflow_config``, ``_include``,
    ``_run_dir``) and the resource that hosts it (``executor=``, default ``agents.resource``).
    """

    def __init__(self, exchange_client: Any, *, runtime: AgentRuntime, **academy_kwargs: Any):
        super().__init__(exchange_client, **academy_kwargs)
        self._runtime = runtime
        self._records: dict[AgentId[Any], _AgentRecord] = {}
        self._watchers: list[asyncio.Task[None]] = []
        self._loop = asyncio.get_running_loop()
        workflow = runtime.workflow
        self._unhook: Callable[[], None] | None = None
        if runtime.hosts:
            dfk = workflow._running_dfk()
            for name in runtime.hosts:
                self.add_executor(name, _ResourceExecutor(self, dfk, name))
            self._unhook = workflow.on_cleanup(functools.partial(self._hosting_workflow_stops, workflow.run_id))

    def get_handle(self, agent: Any) -> Handle[Any]:
        agent_id = agent if isinstance(agent, AgentId) else agent.agent_id
        handle = self._handles.get(agent_id)
        if handle is None:
            handle = self._handles[agent_id] = AgentHandle(agent_id, self._records)
        return handle

    async def launch(self, agent: Any, args: tuple[Any, ...] | None = None, kwargs: dict[str, Any] | None = None,
                     agent_workflow_config: Any = None, agent_workflow_include: Sequence[str] | None = None,
                     agent_workflow_run_dir: str | None = None, *, executor: str | None = None,
                     **academy_kwargs: Any) -> Handle[Any]:
        """Start ``agent`` (a ``@chiltepin_agent`` class) and return its handle.

        Everything that can be checked here is checked before the agent starts: the class, the
        resource, the exchange, and the agent's workflow configuration.
        """
        name = _check_agent_class(agent)
        resource = executor if executor is not None else self._runtime.options.resource
        self._check_resource(name, resource)
        settings = {"config": agent_workflow_config, "include": agent_workflow_include,
                    "run_dir": agent_workflow_run_dir}
        _check_agent_workflow(name, agent, settings, in_process=resource is None)
        if resource is None:
            self._check_in_process(name, settings)
        elif settings["run_dir"] is None and agent.__dict__["_chiltepin_defaults"]["run_dir"] is None:
            base = self._runtime.workflow.run_dir or "runinfo"
            settings["run_dir"] = os.path.abspath(os.path.join(base, "agents", f"{name}-{uuid.uuid4().hex[:8]}"))
        registration = await self.register_agent(agent, name=name)
        record = self._records[registration.agent_id] = _AgentRecord(name, registration.agent_id, resource)
        submit = dict(academy_kwargs.pop("submit_kwargs", None) or {})
        if resource is not None:
            submit[_AGENT_KWARG] = registration.agent_id
        else:  # the agent stops with the workflow it runs on, and says so here
            settings["on_stop"] = functools.partial(call_in_loop, self._loop, record.mark_stopped)
        handle = await super().launch(agent, args=args, kwargs={**(kwargs or {}), WORKFLOW_KWARG: settings},
                                      executor=resource or IN_PROCESS, submit_kwargs=submit,
                                      registration=registration, **academy_kwargs)
        if resource is not None:
            self._watchers.append(asyncio.create_task(self._watch(record), name=f"watch-{record.agent_id}"))
        return handle

    def _check_resource(self, name: str, resource: str | None) -> None:
        hosts = self._runtime.hosts
        if resource is None:
            return
        if resource not in hosts:
            raise AgentLaunchError(f"agent '{name}': unknown resource '{resource}'{did_you_mean(resource, hosts)}; "
                                   f"resources that may host agents: {', '.join(hosts) or 'none'} (or executor=None "
                                   f"for this process)")
        if not self._runtime.options.networked:
            raise AgentLaunchError(f"agent '{name}' on resource '{resource}': the 'local' exchange reaches agents in "
                                   f"this process only; set agents.exchange: redis and agents.address, or launch "
                                   f"it with executor=None")

    def _check_in_process(self, name: str, settings: Mapping[str, Any]) -> None:
        from chiltepin.workflow import active_workflow

        owners = [r.name for r in self._records.values() if r.resource is None and r.name != name]
        if settings["config"] is not None and (active_workflow() is not None or owners):
            raise AgentLaunchError(f"agent '{name}': an agent in this process shares this process's workflow (one "
                                   f"workflow per process); drop agent_workflow_config, or launch it on a resource "
                                   f"(executor=...) with a networked exchange to give it a workflow of its own")

    async def _watch(self, record: _AgentRecord) -> None:
        """Mark the agent lost when it stops beating after it was seen alive."""
        interval = self._runtime.options.heartbeat
        while record.lost is None:
            try:
                status = await self.exchange_client.status(record.agent_id)
            except Exception as exc:  # the exchange itself went away
                record.mark_lost(f"the exchange does not answer ({exc})")
                break
            if status is MailboxStatus.ACTIVE:
                record.seen_alive = True
            elif status is MailboxStatus.INACTIVE and record.seen_alive:
                record.mark_lost(f"no heartbeat for {MISSED_HEARTBEATS} x {interval:g} s (its host died or hangs)")
            elif status is MailboxStatus.TERMINATED:
                break
            await asyncio.sleep(interval)
        if record.lost is not None:
            with contextlib.suppress(Exception):
                await self.exchange_client.terminate(record.agent_id)

    def _hosting_workflow_stops(self, run_id: str | None) -> None:
        """The hosting workflow is cleaning up (any thread): ask its agents to shut down and wait (bounded)
        for their tasks to return, so that they clean up their own workflows before the workers go."""
        hosted = [r for r in list(self._records.values()) if r.resource is not None and r.lost is None]
        if not hosted:
            return
        request_shutdowns(self._runtime.options, [r.agent_id for r in hosted])
        concurrent.futures.wait([r.task for r in hosted if r.task is not None], timeout=STOP_TIMEOUT)
        for record in hosted:
            call_in_loop(self._loop, record.mark_stopped, f"the workflow hosting it (run {run_id}) stopped")

    async def close(self, close_exchange: bool = True) -> None:
        """Stop every agent (their workflows clean up on their hosts), then the exchange client."""
        unhook, self._unhook = self._unhook, None
        if unhook is not None:
            unhook()
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        await super().close(close_exchange)

    def lost_agents(self) -> list[AgentLostError]:
        """The agents this manager lost (their hosts died), in launch order; stopped ones are not lost."""
        return [r.lost for r in self._records.values()
                if r.lost is not None and not isinstance(r.lost, AgentStoppedError)]


def _check_agent_class(agent: Any) -> str:
    if is_chiltepin_agent(agent):
        return agent.__name__
    what = agent.__name__ if isinstance(agent, type) else repr(agent)
    if isinstance(agent, type) and getattr(agent, AGENT_MARK, False):
        raise AgentDefinitionError(f"'{what}' subclasses an agent class but is not decorated; put the shared "
                                   f"methods in a plain base class and decorate each agent with @chiltepin_agent")
    raise AgentDefinitionError(f"cannot launch '{what}': launch() takes classes decorated with @chiltepin_agent "
                               f"(from chiltepin_agents); decorate it, or use academy.manager.Manager for native "
                               f"Academy agents")


def _check_agent_workflow(name: str, agent: Any, settings: dict[str, Any], *, in_process: bool) -> None:
    """Read the agent's workflow configuration here, so that a mistake shows before the agent starts.

    An in-process agent without a configuration of its own uses this process's running workflow.
    """
    from chiltepin.config import load_document, resolve_all
    from chiltepin.plugins import get_plugin_manager
    from chiltepin.workflow import active_workflow

    include = settings["include"] or agent.__dict__["_chiltepin_defaults"]["include"]
    running = active_workflow() if in_process and settings["config"] is None else None
    document = running.document if running is not None else load_document(settings["config"])
    for resource in include or ():
        if resource not in document.resources:
            raise AgentLaunchError(f"agent '{name}': agent_workflow_include names '{resource}'"
                                   f"{did_you_mean(resource, document.resources)}, which its workflow configuration "
                                   f"does not define; it has: {', '.join(document.resources)}")
    if running is None:
        resolve_all(document, get_plugin_manager(), include)


