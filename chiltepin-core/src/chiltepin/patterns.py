"""Workflow patterns on futures: ``Task.map``, :func:`parallel`, :func:`pipeline`, :class:`Graph`
and the task bases :class:`ContainerTask`, :class:`ParallelTask` and :class:`MapReduceTask`.

Every pattern returns a future at once and never blocks the workflow process: tasks whose inputs
are known are submitted immediately, with futures as their arguments; work that needs a result
first (``divide``, ``combine``, graph conditions) runs in the workflow process when that result
arrives, in the thread that delivers it, so keep those functions quick. A pattern's future is an
ordinary :class:`concurrent.futures.Future`: pass it to any task, or to another pattern.

A failure keeps its original exception type; a note (``exc.__notes__``) says which item, stage
or node failed. ``executor=`` given to a pattern applies to the tasks inside it, except those
that chose their own with ``functools.partial(task, executor=[...])``.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import CancelledError, Future, InvalidStateError
from typing import Any

from .tasks import ExecutorChoice, JoinTask, _Task

__all__ = ["ContainerTask", "Graph", "GraphError", "MapReduceTask", "ParallelTask", "Pattern", "parallel",
           "pipeline"]


class GraphError(RuntimeError):
    """A graph ran, but no end node did (no condition held on the way to one)."""


# -- futures ----------------------------------------------------------------------------------

def _settle(out: Future, value: Any = None, exc: BaseException | None = None) -> None:
    """Complete ``out`` unless it is complete already (a failure may race a late result)."""
    try:
        if exc is None:
            out.set_result(value)
        else:
            out.set_exception(exc)
    except InvalidStateError:
        pass


def _failure(future: Future) -> BaseException | None:
    """The exception of a finished future, with Parsl's dependency wrappers taken off."""
    try:
        exc = future.exception()
    except CancelledError as cancelled:
        return cancelled
    if exc is not None and type(exc).__name__ in ("DependencyError", "JoinError"):
        while getattr(exc, "dependent_exceptions_tids", None):
            exc = exc.dependent_exceptions_tids[0][0]
    return exc


def _noted(exc: BaseException, note: str) -> BaseException:
    if note not in getattr(exc, "__notes__", ()):
        exc.add_note(note)
    return exc


def _link(source: Future, out: Future, note: str) -> None:
    """Complete ``out`` with ``source``'s outcome; a failure gets ``note``."""
    def done(f: Future) -> None:
        exc = _failure(f)
        _settle(out, None if exc else f.result(), _noted(exc, note) if exc else None)

    source.add_done_callback(done)


class _Gather:
    """One future of the list of results of ``futures``, in order (failing at the first failure)."""

    def __init__(self, futures: Sequence[Future], note: Callable[[int], str], return_exceptions: bool = False):
        self.out: Future = Future()
        self.results: list[Any] = [None] * len(futures)
        self.remaining = len(futures)
        self.note = note
        self.return_exceptions = return_exceptions
        self.lock = threading.Lock()
        if not futures:
            self.out.set_result([])
        for i, f in enumerate(futures):
            f.add_done_callback(functools.partial(self._done, i))

    def _done(self, i: int, f: Future) -> None:
        exc = _failure(f)
        if exc is not None and not self.return_exceptions:
            _settle(self.out, exc=_noted(exc, self.note(i)))
            return
        value = exc if exc is not None else f.result()
        with self.lock:
            self.results[i] = value
            self.remaining -= 1
            last = self.remaining == 0
        if last:
            _settle(self.out, self.results)


def _gather(futures: Sequence[Future], note: Callable[[int], str], return_exceptions: bool = False) -> Future:
    return _Gather(futures, note, return_exceptions).out


class _Box:
    """Hides a future from Parsl's dependency scan (a join task must not wait for it as an argument)."""

    __slots__ = ("future",)

    def __init__(self, future: Future):
        self.future = future


def _pattern_pending(box: _Box) -> Future:
    return box.future


@functools.lru_cache(maxsize=1)
def _pending_app() -> Any:
    from parsl.app.python import PythonApp

    return PythonApp(_pattern_pending, executors=["_parsl_internal"], join=True)


def _hold(out: Future) -> None:
    """Keep the workflow aware of a pattern whose tasks are submitted later, so that
    ``wait_for_current_tasks()`` and ``exit_mode='wait'`` wait for it: a join task (in the workflow
    process, on Parsl's internal threads) that finishes when ``out`` does, whatever its outcome."""
    settled: Future = Future()
    out.add_done_callback(lambda _: settled.set_result(None))
    _pending_app()(_Box(settled))


def _when_ready(value: Any, out: Future, label: str, then: Callable[[Any], None]) -> None:
    """Run ``then(value)`` now, or once ``value`` (a future) has a result; failures go to ``out``."""
    if not isinstance(value, Future):
        then(value)
        return
    _hold(out)

    def ready(f: Future) -> None:
        exc = _failure(f)
        if exc is not None:
            _settle(out, exc=_noted(exc, f"{label}: its input failed"))
            return
        try:
            then(f.result())
        except Exception as error:
            _settle(out, exc=error)

    value.add_done_callback(ready)


# -- stages: what a pattern accepts where a task is needed ---------------------------------------

def _target(stage: Any) -> Any:
    return stage.func if isinstance(stage, functools.partial) else stage


def _stage_name(stage: Any) -> str:
    target = _target(stage)
    return getattr(target, "name", None) or getattr(target, "__qualname__", None) or repr(target)


def _check_stage(pattern: str, what: str, stage: Any) -> None:
    if isinstance(_target(stage), (_Task, Pattern)):
        return
    if isinstance(stage, Future):
        hint = "; pass the task itself, not the future of a call"
    elif callable(stage):
        hint = "; decorate the function with @python_task (or @bash_task, @join_task)"
    else:
        hint = ""
    raise TypeError(f"{pattern}: {what} must be a task (@python_task, @bash_task, @join_task) or a pattern "
                    f"(ContainerTask, ParallelTask, MapReduceTask, Graph), got {type(stage).__name__} "
                    f"{stage!r}{hint}")


def _check_function(pattern: str, what: str, function: Any) -> None:
    if function is not None and (not callable(function) or isinstance(_target(function), (_Task, Pattern))):
        raise TypeError(f"{pattern}: {what} must be a plain function run in the workflow process, got "
                        f"{function!r}")


def _sets_executor(stage: Any) -> bool:
    return isinstance(stage, functools.partial) and "executor" in stage.keywords


def _call(stage: Any, value: Any, executor: ExecutorChoice) -> Future:
    """Call a stage on one value; ``executor`` applies unless the stage chose its own."""
    if executor is None or _sets_executor(stage) or isinstance(_target(stage), JoinTask):
        return stage(value)
    return stage(value, executor=executor)


def _units(pattern: str, divide: Callable[[Any], Any] | None, value: Any) -> list[Any]:
    """The work units of ``value``: ``divide(value)``, or ``value`` itself, as a list."""
    units = divide(value) if divide is not None else value
    try:
        return list(units)
    except TypeError:
        source = "divide returned" if divide is not None else "its input is"
        raise TypeError(f"{pattern}: {source} {type(units).__name__} {units!r}, not an iterable of work units; "
                        f"give divide= a function that splits the input") from None


def map_task(task: Any, iterables: Sequence[Iterable[Any]], executor: ExecutorChoice, strict: bool,
             kwargs: dict[str, Any]) -> Future:
    """``task.map``: call ``task`` once per item (zipped across ``iterables``); one future of the list."""
    label = f"{_stage_name(task)}.map"
    if not iterables:
        raise TypeError(f"{label}() needs at least one iterable")
    columns = []
    for position, iterable in enumerate(iterables):
        try:
            columns.append(iterable if isinstance(iterable, list) else list(iterable))
        except TypeError:
            raise TypeError(f"{label}: argument {position} is a {type(iterable).__name__}, not an iterable"
                            ) from None
    if strict and len({len(c) for c in columns}) > 1:
        raise ValueError(f"{label}: strict=True and the iterables have different lengths "
                         f"({', '.join(str(len(c)) for c in columns)})")
    if isinstance(task, Pattern):
        if len(columns) != 1 or kwargs:
            raise TypeError(f"{label}: a pattern takes one input; map it over one iterable, without keywords")
        futures = [_call(task, item, executor) for item in columns[0]]
    else:
        if executor is not None:
            kwargs = {**kwargs, "executor": executor}
        futures = [task(*args, **kwargs) for args in zip(*columns, strict=False)]
    return _gather(futures, lambda i: f"{label}: item {i} failed")


def parallel(*futures: Future, return_exceptions: bool = False) -> Future:
    """One future of the list of the results of ``futures``, in argument order (like ``asyncio.gather``).

    It fails with the first failure (the other tasks still run); with ``return_exceptions=True``
    failures appear in the list instead.
    """
    for position, f in enumerate(futures):
        if not isinstance(f, Future):
            hint = "; call the task (task(x)) rather than passing it" if callable(f) else ""
            raise TypeError(f"parallel: argument {position} must be a future (the result of a task call), got "
                            f"{type(f).__name__} {f!r}{hint}")
    return _gather(futures, lambda i: f"parallel: argument {i} failed", return_exceptions)


# -- the task bases ------------------------------------------------------------------------------

class Pattern:
    """A pattern called like a task: ``pattern(value, executor=None)`` returns a future at once."""

    name: str

    def __call__(self, value: Any, *, executor: ExecutorChoice = None) -> Future:
        raise NotImplementedError

    def map(self, iterable: Iterable[Any], *, executor: ExecutorChoice = None, strict: bool = False) -> Future:
        """Run the pattern once per item, in parallel; one future of the list of results."""
        return map_task(self, [iterable], executor, strict, {})

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _chain(label: str, stages: Sequence[Any], value: Any, executor: ExecutorChoice) -> Future:
    """Submit every stage at once, each on the previous stage's future; one future of the last."""
    futures: list[Future] = []
    current = value
    for stage in stages:
        current = _call(stage, current, executor)
        futures.append(current)
    out: Future = Future()

    def done(last: Future) -> None:
        if _failure(last) is None:
            _settle(out, last.result())
            return
        if isinstance(value, Future) and _failure(value) is not None:
            _settle(out, exc=_noted(_failure(value), f"{label}: its input failed"))
            return
        number, failed = next((n, f) for n, f in enumerate(futures, 1) if f.done() and _failure(f) is not None)
        _settle(out, exc=_noted(_failure(failed), f"{label}: stage {number} of {len(stages)} "
                                                  f"({_stage_name(stages[number - 1])}) failed"))

    futures[-1].add_done_callback(done)
    return out


def pipeline(*tasks: Any, input: Any, executor: ExecutorChoice = None) -> Future:
    """Run ``tasks`` in sequence, each on the previous one's result, starting from ``input``;
    one future of the last result. Every stage is submitted at once (Parsl orders them)."""
    if not tasks:
        raise ValueError("pipeline: needs at least one task")
    for number, task in enumerate(tasks, 1):
        _check_stage("pipeline", f"stage {number}", task)
    return _chain("pipeline", tasks, input, executor)


class ContainerTask(Pattern):
    """Tasks run in sequence, each receiving the previous one's result (Pydra's ContainerTask)."""

    def __init__(self, *tasks: Any):
        if not tasks:
            raise ValueError("ContainerTask: needs at least one task")
        for number, task in enumerate(tasks, 1):
            _check_stage("ContainerTask", f"task {number}", task)
        self.tasks = tasks
        self.name = f"ContainerTask({', '.join(_stage_name(t) for t in tasks)})"

    def __call__(self, value: Any, *, executor: ExecutorChoice = None) -> Future:
        return _chain(self.name, self.tasks, value, executor)


class ParallelTask(Pattern):
    """One task run on every work unit in parallel (Pydra's ParallelTask).

    ``divide(value)`` (a plain function, run in the workflow process) splits the input into work
    units; without it the input is the iterable of units. The result is the list of results in
    work-unit order, or ``combine(list)`` (a plain function, in the workflow process) if given.
    """

    def __init__(self, task: Any, divide: Callable[[Any], Iterable[Any]] | None = None,
                 combine: Callable[[list[Any]], Any] | None = None):
        _check_stage("ParallelTask", "its task", task)
        _check_function("ParallelTask", "divide", divide)
        _check_function("ParallelTask", "combine", combine)
        self.task, self.divide, self.combine = task, divide, combine
        self.name = f"ParallelTask({_stage_name(task)})"

    def __call__(self, value: Any, *, executor: ExecutorChoice = None) -> Future:
        out: Future = Future()

        def run(v: Any) -> None:
            futures = [_call(self.task, unit, executor) for unit in _units(self.name, self.divide, v)]
            results = _gather(futures, lambda i: f"{self.name}: work unit {i} failed")
            if self.combine is None:
                _link(results, out, f"{self.name}: failed")
            else:
                results.add_done_callback(functools.partial(self._combine, out))

        _when_ready(value, out, self.name, run)
        return out

    def _combine(self, out: Future, results: Future) -> None:
        exc = _failure(results)
        if exc is not None:
            _settle(out, exc=exc)
            return
        try:
            _settle(out, self.combine(results.result()))  # type: ignore[misc]
        except Exception as error:
            _settle(out, exc=_noted(error, f"{self.name}: combine failed"))


class MapReduceTask(Pattern):
    """A mapper run on every work unit in parallel, then a reducer on the list of mapped results
    (Pydra's MapReduceTask). Mapper and reducer are tasks or patterns; ``divide`` is as for
    :class:`ParallelTask`. The reducer receives the whole list as its one argument."""

    def __init__(self, mapper: Any, reducer: Any, divide: Callable[[Any], Iterable[Any]] | None = None):
        _check_stage("MapReduceTask", "the mapper", mapper)
        _check_stage("MapReduceTask", "the reducer", reducer)
        _check_function("MapReduceTask", "divide", divide)
        self.mapper, self.reducer, self.divide = mapper, reducer, divide
        self.name = f"MapReduceTask({_stage_name(mapper)}, {_stage_name(reducer)})"

    def __call__(self, value: Any, *, executor: ExecutorChoice = None) -> Future:
        out: Future = Future()

        def run(v: Any) -> None:
            mapped = [_call(self.mapper, unit, executor) for unit in _units(self.name, self.divide, v)]
            results = _gather(mapped, lambda i: f"{self.name}: the mapper failed on work unit {i}")
            reduced = _call(self.reducer, results, executor)

            def done(f: Future) -> None:
                if _failure(results) is not None:
                    _settle(out, exc=_failure(results))
                else:
                    _link(f, out, f"{self.name}: the reducer failed")

            reduced.add_done_callback(done)

        _when_ready(value, out, self.name, run)
        return out


# -- Graph -----------------------------------------------------------------------------------------

class _Edge:
    __slots__ = ("src", "dst", "condition")

    def __init__(self, src: str, dst: str, condition: Callable[[Any], Any] | None):
        self.src, self.dst, self.condition = src, dst, condition

    def __str__(self) -> str:
        return f"'{self.src}' -> '{self.dst}'"


class Graph(Pattern):
    """Tasks joined by edges, optionally conditional, run from a start node to an end node.

    ``graph(value)`` validates the graph, runs the start node on ``value`` and returns a future of
    the result of the end node that ran (the first in ``end_with`` order, if several did). A node
    runs once every incoming edge is settled and at least one fired; an edge fires when its source
    ran and its condition (a plain function of the source's result, evaluated in the workflow
    process) holds, or it has none. A node with one incoming edge receives its source's result; a
    node with several receives a dict ``{source name: result}`` of the edges that fired, in the
    order they were added. A node none of whose edges fired is skipped, and so is everything only
    it leads to; if no end node runs, the future fails with :class:`GraphError` naming the nodes
    where no condition held. Nodes not reachable from the start never run.
    """

    def __init__(self, name: str):
        self.name = name
        self.nodes: dict[str, Any] = {}
        self.edges: list[_Edge] = []
        self.start: str | None = None
        self.ends: list[str] = []
        self._checked = False

    def __repr__(self) -> str:
        return f"<Graph {self.name!r}: {len(self.nodes)} nodes, {len(self.edges)} edges>"

    def _known(self, node: str, role: str) -> None:
        if node not in self.nodes:
            known = ", ".join(repr(n) for n in self.nodes) or "none yet"
            raise ValueError(f"Graph '{self.name}': {role} names unknown node '{node}'; nodes: {known}")

    def add_node(self, name: str, task: Any) -> Graph:
        if name in self.nodes:
            raise ValueError(f"Graph '{self.name}': duplicate node '{name}'")
        _check_stage(f"Graph '{self.name}'", f"node '{name}'", task)
        self.nodes[name] = task
        self._checked = False
        return self

    def add_edge(self, src: str, dst: str, condition: Callable[[Any], Any] | None = None) -> Graph:
        edge = _Edge(src, dst, condition)
        self._known(src, f"edge {edge}")
        self._known(dst, f"edge {edge}")
        _check_function(f"Graph '{self.name}'", f"the condition of edge {edge}", condition)
        if any(e.src == src and e.dst == dst for e in self.edges):
            raise ValueError(f"Graph '{self.name}': duplicate edge {edge}")
        self.edges.append(edge)
        self._checked = False
        return self

    def start_with(self, name: str) -> Graph:
        self._known(name, "start_with")
        if self.start is not None and self.start != name:
            raise ValueError(f"Graph '{self.name}': already starts with '{self.start}'; a graph has one start node")
        self.start = name
        return self

    def end_with(self, name: str) -> Graph:
        self._known(name, "end_with")
        if name not in self.ends:
            self.ends.append(name)
        self._checked = False
        return self

    def validate(self) -> Graph:
        """Raise ValueError naming the graph and the node or edge if it cannot run as built."""
        if self.start is None:
            raise ValueError(f"Graph '{self.name}': no start node; call start_with(name)")
        if not self.ends:
            raise ValueError(f"Graph '{self.name}': no end node; call end_with(name)")
        cycle = self._cycle()
        if cycle:
            raise ValueError(f"Graph '{self.name}': the edges form a cycle: {' -> '.join(cycle)}")
        reachable = self._reachable()
        for end in self.ends:
            if end not in reachable:
                raise ValueError(f"Graph '{self.name}': end node '{end}' is not reachable from the start "
                                 f"node '{self.start}'")
        self._checked = True
        return self

    def _successors(self) -> dict[str, list[str]]:
        successors: dict[str, list[str]] = {n: [] for n in self.nodes}
        for e in self.edges:
            successors[e.src].append(e.dst)
        return successors

    def _cycle(self) -> list[str]:
        successors = self._successors()
        colour = dict.fromkeys(self.nodes, 0)  # 0 unseen, 1 on the current path, 2 finished
        for root in self.nodes:
            if colour[root]:
                continue
            path, stack = [root], [iter(successors[root])]
            colour[root] = 1
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    colour[path.pop()] = 2
                    stack.pop()
                elif colour[nxt] == 1:
                    return path[path.index(nxt):] + [nxt]
                elif colour[nxt] == 0:
                    colour[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(successors[nxt]))
        return []

    def _reachable(self) -> set[str]:
        successors = self._successors()
        seen, todo = {self.start}, [self.start]
        while todo:
            for nxt in successors[todo.pop()]:  # type: ignore[index]
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen  # type: ignore[return-value]

    def __call__(self, value: Any, *, executor: ExecutorChoice = None) -> Future:
        if not self._checked:
            self.validate()
        return _GraphRun(self, executor).begin(value)


class _GraphRun:
    """One run of a graph. Events (a node decided, an edge settled) are processed one at a time,
    by whichever thread is processing already, so a long chain needs no deep recursion."""

    def __init__(self, graph: Graph, executor: ExecutorChoice):
        self.graph = graph
        self.executor = executor
        self.out: Future = Future()
        self.incoming: dict[str, list[_Edge]] = {n: [] for n in graph.nodes}
        self.outgoing: dict[str, list[_Edge]] = {n: [] for n in graph.nodes}
        for e in graph.edges:
            self.incoming[e.dst].append(e)
            self.outgoing[e.src].append(e)
        self.unsettled = {n: len(edges) for n, edges in self.incoming.items()}
        self.fired: dict[str, dict[str, Future]] = {n: {} for n in graph.nodes}
        self.ran: dict[str, Future | None] = {}
        self.events: deque[Callable[[], None]] = deque()
        self.lock = threading.Lock()
        self.busy = False

    def begin(self, value: Any) -> Future:
        graph = self.graph
        start = self._submit(graph.start, value)  # type: ignore[arg-type]
        _hold(self.out)
        reachable = graph._reachable()
        self._post(lambda: self._decide(graph.start, start))  # type: ignore[arg-type]
        for node in graph.nodes:
            if node not in reachable:
                self._post(functools.partial(self._decide, node, None))
        return self.out

    def _post(self, event: Callable[[], None]) -> None:
        with self.lock:
            self.events.append(event)
            if self.busy:
                return
            self.busy = True
        while True:
            with self.lock:
                if not self.events or self.out.done():
                    self.events.clear()
                    self.busy = False
                    return
                event = self.events.popleft()
            try:
                event()
            except Exception as error:
                _settle(self.out, exc=error)

    def _submit(self, node: str, value: Any) -> Future:
        try:
            return _call(self.graph.nodes[node], value, self.executor)
        except Exception as error:
            raise _noted(error, f"Graph '{self.graph.name}': node '{node}' could not be submitted") from None

    def _decide(self, node: str, future: Future | None) -> None:
        """``node`` runs (``future``) or is skipped (None); settle its outgoing edges."""
        self.ran[node] = future
        if future is not None:
            future.add_done_callback(functools.partial(self._watch, node))
        for edge in self.outgoing[node]:
            if future is None or edge.condition is None:
                self._post(functools.partial(self._settle_edge, edge, future))
            else:
                future.add_done_callback(lambda f, e=edge: self._post(lambda: self._evaluate(e, f)))
        if node in self.graph.ends and all(e in self.ran for e in self.graph.ends):
            self._finish()

    def _watch(self, node: str, future: Future) -> None:
        exc = _failure(future)
        if exc is not None:
            _settle(self.out, exc=_noted(exc, f"Graph '{self.graph.name}': node '{node}' failed"))

    def _evaluate(self, edge: _Edge, future: Future) -> None:
        if _failure(future) is not None:
            return  # _watch fails the graph
        try:
            holds = bool(edge.condition(future.result()))  # type: ignore[misc]
        except Exception as error:
            raise _noted(error, f"Graph '{self.graph.name}': the condition of edge {edge} raised") from None
        self._settle_edge(edge, future if holds else None)

    def _settle_edge(self, edge: _Edge, future: Future | None) -> None:
        dst = edge.dst
        if future is not None:
            self.fired[dst][edge.src] = future
        self.unsettled[dst] -= 1
        if self.unsettled[dst] or dst in self.ran:
            return
        fired = self.fired[dst]
        if not fired:
            self._decide(dst, None)
            return
        if len(self.incoming[dst]) == 1:
            value: Any = next(iter(fired.values()))
        else:
            order = [e.src for e in self.incoming[dst] if e.src in fired]
            value = _dict_of(order, [fired[src] for src in order])
        self._decide(dst, self._submit(dst, value))

    def _finish(self) -> None:
        for end in self.graph.ends:
            future = self.ran[end]
            if future is not None:
                _link(future, self.out, f"Graph '{self.graph.name}': end node '{end}' failed")
                return
        where = ", ".join(f"'{n}'" for n, f in self.ran.items() if f is not None and self.outgoing[n]
                          and not any(n in self.fired[e.dst] for e in self.outgoing[n]))
        _settle(self.out, exc=GraphError(
            f"Graph '{self.graph.name}': no end node ran ({', '.join(self.graph.ends)}); no condition held at "
            f"{where}"))


def _dict_of(keys: list[str], futures: list[Future]) -> Future:
    """A future of ``{key: result}`` (tasks and patterns both accept one future as input)."""
    out: Future = Future()
    gathered = _gather(futures, lambda i: f"input from '{keys[i]}' failed")

    def done(f: Future) -> None:
        exc = _failure(f)
        _settle(out, None if exc else dict(zip(keys, f.result(), strict=True)), exc)

    gathered.add_done_callback(done)
    return out

