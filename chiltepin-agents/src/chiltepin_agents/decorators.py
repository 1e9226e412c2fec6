"""``@chiltepin_agent``, ``@agent_action`` and ``@agent_loop``: a plain class becomes an Academy agent.

The decorated class (the *behaviour*) stays a plain class; ``@chiltepin_agent`` returns an Academy
``Agent`` that creates the behaviour on its host, starts the agent's own chiltepin workflow before
any action runs, exposes the marked methods and cleans the workflow up when the agent stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from academy.agent import Agent, action, loop

from .errors import AgentDefinitionError

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

ACTION_MARK = "_chiltepin_action"
LOOP_MARK = "_chiltepin_loop"
AGENT_MARK = "_chiltepin_agent"
#: The keyword that carries the agent's workflow settings from launch() to the agent's host.
WORKFLOW_KWARG = "_chiltepin_workflow"


def agent_action(func: F) -> F:
    """Expose a method as an action of the agent; sync or async, above or below a task decorator.

    A sync action runs in a thread of the agent; when it returns a future (a task method), the
    caller receives the task's result.
    """
    setattr(func, ACTION_MARK, True)
    return func


def agent_loop(func: F) -> F:
    """Run an async method ``(self, shutdown)`` in the background while the agent lives."""
    if not inspect.iscoroutinefunction(func):
        name = getattr(func, "__qualname__", repr(func))
        raise AgentDefinitionError(f"@agent_loop {name}: a loop must be async; write "
                                   f"`async def {getattr(func, '__name__', 'loop')}(self, shutdown)` and "
                                   f"end it when `shutdown` is set")
    setattr(func, LOOP_MARK, True)
    return func


def chiltepin_agent(cls: type | None = None, *, agent_workflow_include: Sequence[str] | None = None,
                    agent_workflow_run_dir: str | None = None) -> Any:
    """Make ``cls`` launchable as an agent; use as ``@chiltepin_agent`` or ``@chiltepin_agent(...)``.

    ``agent_workflow_include`` and ``agent_workflow_run_dir`` are defaults for the agent's own
    workflow that ``launch()`` may override.
    """
    defaults = {"include": list(agent_workflow_include) if agent_workflow_include is not None else None,
                "run_dir": agent_workflow_run_dir}

    def decorate(behaviour: type) -> type[Agent]:
        return _make_agent(behaviour, defaults)

    return decorate if cls is None else decorate(cls)


def is_chiltepin_agent(cls: Any) -> bool:
    return isinstance(cls, type) and bool(cls.__dict__.get(AGENT_MARK))


def _make_agent(behaviour: type, defaults: dict[str, Any]) -> type[Agent]:
    if not isinstance(behaviour, type):
        raise AgentDefinitionError(f"@chiltepin_agent decorates a class, got {type(behaviour).__name__}")
    if issubclass(behaviour, Agent):
        raise AgentDefinitionError(f"@chiltepin_agent {behaviour.__qualname__}: the class already is an Academy "
                                   f"Agent; decorate a plain class (its base classes may hold the actions)")
    members: dict[str, Any] = {}
    for name in dir(behaviour):
        attr = getattr(behaviour, name, None)
        academy_kind = getattr(attr, "_agent_method_type", None)
        if academy_kind is not None:
            raise AgentDefinitionError(
                f"{behaviour.__qualname__}.{name}: uses Academy's @{academy_kind}; use chiltepin_agents' "
                f"@agent_{academy_kind} instead (it also accepts sync actions and task methods)")
        if getattr(attr, LOOP_MARK, False):
            members[name] = _loop_member(name)
        elif getattr(attr, ACTION_MARK, False):
            members[name] = _action_member(name)
    qualname = behaviour.__qualname__
    members.update(__module__=behaviour.__module__, __qualname__=qualname, __doc__=behaviour.__doc__,
                   Behaviour=behaviour, **{AGENT_MARK: True, "_chiltepin_defaults": defaults})
    agent = type(behaviour.__name__, (_ChiltepinAgent,), members)
    # Task methods ship ``self`` (a behaviour instance) to workers, which find its class by name:
    # the module-level name now holds the agent, so the behaviour is reachable as NAME.Behaviour.
    if "<locals>" not in qualname:
        behaviour.__qualname__ = f"{qualname}.Behaviour"
    return agent


def _action_member(name: str) -> Callable[..., Any]:
    async def run_action(self: _ChiltepinAgent, *args: Any, **kwargs: Any) -> Any:
        method = getattr(self.behaviour, name)
        if inspect.iscoroutinefunction(method):
            return await method(*args, **kwargs)
        result = await asyncio.to_thread(method, *args, **kwargs)
        if isinstance(result, Future):  # a task's AppFuture: the caller gets the task's result
            result = await asyncio.wrap_future(result)
        return result

    run_action.__name__ = run_action.__qualname__ = name
    return action(run_action)


def _loop_member(name: str) -> Callable[..., Any]:
    async def run_loop(self, shutdown: asyncio.Event) -> None:  # Academy checks this exact signature
        await getattr(self.behaviour, name)(shutdown)

    run_loop.__name__ = run_loop.__qualname__ = name
    return loop(run_loop)


class _ChiltepinAgent(Agent):
    """Base of the agents ``@chiltepin_agent`` builds: owns the behaviour and the agent's workflow."""

    Behaviour: type
    _chiltepin_defaults: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        settings = kwargs.pop(WORKFLOW_KWARG, None) or {}
        self._workflow_settings = {"config": settings.get("config"),
                                   "include": settings.get("include") or self._chiltepin_defaults["include"],
                                   "run_dir": settings.get("run_dir") or self._chiltepin_defaults["run_dir"]}
        self._on_stop: Callable[[str], None] | None = settings.get("on_stop")  # in-process agents: the manager's
        self._workflow: Any = None
        self._unhook: Callable[[], None] | None = None
        self.behaviour = self.Behaviour(*args, **kwargs)

    async def agent_on_startup(self) -> None:
        from chiltepin.workflow import Workflow, active_workflow

        settings = self._workflow_settings
        workflow = active_workflow()
        if settings["config"] is not None or workflow is None:  # else: an in-process agent uses this process's
            run_dir = settings["run_dir"] or os.path.join("runinfo", f"agent-{type(self).__name__}-{os.getpid()}")
            workflow = self._workflow = Workflow(settings["config"], include=settings["include"], run_dir=run_dir)
            await self._off_the_loop(workflow.start)
            logger.info("agent %s: workflow started (run_dir %s)", type(self).__name__, run_dir)
        self._unhook = workflow.on_cleanup(functools.partial(self._workflow_stops, asyncio.get_running_loop(),
                                                             workflow.run_id))

    def _workflow_stops(self, loop: asyncio.AbstractEventLoop, run_id: str | None) -> None:
        """The workflow this agent runs on is cleaning up under it (any thread): the agent stops too."""
        if self._on_stop is not None:
            self._on_stop(f"the workflow it ran on (run {run_id}) stopped")
        with contextlib.suppress(RuntimeError):  # a closed loop: the agent is gone already
            loop.call_soon_threadsafe(self.agent_shutdown)

    async def agent_on_shutdown(self) -> None:
        unhook, self._unhook = self._unhook, None
        if unhook is not None:
            unhook()
        workflow, self._workflow = self._workflow, None
        if workflow is not None:
            await self._off_the_loop(workflow.cleanup)

    async def _off_the_loop(self, step: Callable[[], Any]) -> None:
        """Start or clean up the agent's workflow. On a host, in a thread: the agent's heartbeats go on
        meanwhile, so a slow start is not taken for a lost host. In this process, in the loop's thread
        (the main one, as a rule), so that SIGTERM stops that workflow in order."""
        hosted = self._on_stop is None  # launch() gives in-process agents a way to report back
        if hosted:
            await asyncio.to_thread(step)
        else:
            step()
