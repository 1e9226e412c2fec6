"""Record a running workflow into its run database, off the task submission path.

The recorder wraps three things of one DataFlowKernel at the instance level: its state-change
funnel (``_update_task_state``), its executor-future callback (``handle_exec_update``) and the
``submit`` of executors whose workers run chiltepin (HTEX and thread pools), so each attempt
reports where and when it ran (:mod:`chiltepin.runs.worker`). On the calling thread each hook
only puts a tuple on a queue; a writer thread turns them into SQL, polls the executors' block
tables, and keeps per-resource counts for the live progress display. What a task record holds is
copied when the state changes, so nothing depends on Parsl keeping finished records.
"""

from __future__ import annotations

import functools
import logging
import operator
import os
import queue
import socket
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future
from typing import Any

from .. import __version__
from .schema import ATTEMPT_COLUMNS, DB_NAME, STATE_GROUPS, TASK_COLUMNS, open_for_writing
from .worker import Observed, Outcome

logger = logging.getLogger(__name__)

#: Parsl's task state names -> the recorded ones (see schema.STATE_GROUPS).
PARSL_STATES = {"unsched": "pending", "pending": "pending", "launched": "launched", "running": "running",
                "running_ended": "running", "joining": "joining", "exec_done": "done", "memo_done": "cached",
                "failed": "failed", "dep_fail": "dep_fail", "fail_retryable": "retrying"}
FINAL = frozenset({"done", "cached", "failed", "dep_fail"})
INTERNAL_EXECUTOR = "_parsl_internal"
#: How join tasks' resource (Parsl's internal executor, in the workflow process) is recorded;
#: ``workflow`` is a reserved key in the configuration, so no resource has this name.
WORKFLOW_RESOURCE = "workflow"
MESSAGE_LIMIT = 4000

_NEW, _STATE, _ATTEMPT, _FINAL_ERROR, _JOINS = range(5)
TASKS_UPSERT = f"INSERT OR REPLACE INTO tasks ({', '.join(TASK_COLUMNS)}) VALUES ({', '.join('?' * len(TASK_COLUMNS))})"
ATTEMPTS_UPSERT = (f"INSERT OR REPLACE INTO attempts ({', '.join(ATTEMPT_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(ATTEMPT_COLUMNS))})")


def _path(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):  # Parsl's (path, mode) form
        value = value[0]
    return os.fspath(value) if isinstance(value, (str, os.PathLike)) else str(value)


def _task_ids(futures: Any, app_future: Any) -> tuple[int, ...]:
    """Task ids of the AppFutures among ``futures`` (one future or a list; plain Futures have none)."""
    items: list[Any] = list(futures) if isinstance(futures, (list, tuple)) else [futures]
    return tuple(f.tid for f in items if isinstance(f, app_future))


def _describe_task(record: Any, bash_runner: Any, app_future: type) -> tuple[Any, ...]:
    """(name, kind, resource, dependencies, stdout, stderr) of a task record just submitted."""
    inner = getattr(record["func"], "__wrapped__", None)
    is_bash = isinstance(inner, functools.partial) and inner.func is bash_runner
    kind = "join" if record["join"] else "bash" if is_bash else "python"
    kwargs = record["kwargs"]
    executor = record["executor"]
    return (record["func_name"], kind, WORKFLOW_RESOURCE if executor == INTERNAL_EXECUTOR else executor,
            _task_ids(record["depends"], app_future), _path(kwargs.get("stdout")), _path(kwargs.get("stderr")))


def describe_error(exc: BaseException) -> tuple[str, str, int | None, str | None]:
    """(type, message, exit code, host) of a task failure."""
    code = getattr(exc, "exitcode", None)
    host = getattr(exc, "hostname", None)
    return (type(exc).__name__, str(exc)[:MESSAGE_LIMIT], code if isinstance(code, int) else None,
            host if isinstance(host, str) else None)


class Recorder:
    """Records one DataFlowKernel's run into ``<dfk.run_dir>/chiltepin.db`` (or only counts, for
    the progress display, when ``write_db`` is false)."""

    def __init__(self, dfk: Any, resources: Mapping[str, Any], *, write_db: bool = True,
                 poll_period: float = 1.0, flush_period: float = 0.1):
        self.dfk = dfk
        self.path = os.path.join(dfk.run_dir, DB_NAME) if write_db else None
        self.resources = {name: (r.backend, r.provider) for name, r in resources.items()}
        self.poll_period, self.flush_period = poll_period, flush_period
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._task_group: dict[int, tuple[str, str]] = {}
        self._counts: Counter[tuple[str, str]] = Counter()
        self._blocks: dict[tuple[str, str], tuple[str | None, str]] = {}
        self._block_hosts: dict[tuple[str, str], str] = {}
        self._rows: dict[int, _TaskRow] = {}
        self._attempt_rows: dict[tuple[int, int], _AttemptRow] = {}
        self._observed: weakref.WeakKeyDictionary[Any, Observed] = weakref.WeakKeyDictionary()
        self._wrapped: list[tuple[Any, str]] = []
        self.started = time.time()
        self.host = socket.gethostname()
        self.ended: float | None = None

    # -- attaching to Parsl ------------------------------------------------------------------

    def start(self) -> Recorder:
        """Open the database, start the writer and hook into the DataFlowKernel."""
        db = open_for_writing(self.path) if self.path else None
        if db is not None:
            self._write_header(db)
        self._thread = threading.Thread(target=self._write_loop, args=(db,), name="chiltepin-run-recorder",
                                        daemon=True)
        self._thread.start()
        self._hook(self.dfk, "_update_task_state", self._state_hook)
        self._hook(self.dfk, "handle_exec_update", self._exec_update_hook)
        from parsl.executors import HighThroughputExecutor, ThreadPoolExecutor

        for label, executor in self.dfk.executors.items():
            if label != INTERNAL_EXECUTOR and isinstance(executor, (HighThroughputExecutor, ThreadPoolExecutor)):
                self._hook(executor, "submit", self._submit_hook)
        return self

    def _hook(self, obj: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        setattr(obj, name, make(getattr(obj, name)))
        self._wrapped.append((obj, name))

    def _state_hook(self, original: Callable[..., None]) -> Callable[..., None]:
        from parsl.dataflow.futures import AppFuture

        from .._remote import run_bash
        from ..failures import UPSTREAM_FAILED

        put, now, names = self._queue.put, time.time, PARSL_STATES
        describe = functools.partial(_describe_task, bash_runner=run_bash, app_future=AppFuture)

        @functools.wraps(original)
        def update_task_state(task_record: Any, new_state: Any) -> None:
            original(task_record, new_state)
            state = names.get(new_state.name, new_state.name)
            if state == "failed" and task_record.get(UPSTREAM_FAILED):
                state = "dep_fail"
            tid = task_record["id"]
            if state == "pending" and task_record["try_id"] == 0:
                put((_NEW, tid, now(), *describe(task_record)))
                return
            put((_STATE, tid, state, now(), task_record["try_id"]))
            if state == "joining":  # the join task waits for the tasks its body launched
                put((_JOINS, tid, _task_ids(task_record["joins"], AppFuture)))
            if state == "failed" or state == "dep_fail":
                put((_FINAL_ERROR, tid, task_record["app_fu"]))

        return update_task_state

    def _exec_update_hook(self, original: Callable[..., None]) -> Callable[..., None]:
        from parsl.app.errors import RemoteExceptionWrapper

        put, now = self._queue.put, time.time

        @functools.wraps(original)
        def handle_exec_update(task_record: Any, future: Future[Any]) -> None:
            outcome, error = None, None
            exc = CancelledError() if future.cancelled() else future.exception()
            if exc is not None:
                error = describe_error(exc)
            else:
                result = future.result()
                if isinstance(result, Outcome):
                    outcome = (result.host, result.pid, result.block, result.started, result.ended)
                    future = Future()
                    future.set_result(result.value)
                    result = result.value
                if isinstance(result, RemoteExceptionWrapper):
                    error = describe_error(result.e_value)
            put((_ATTEMPT, task_record["id"], task_record["try_id"], now(), outcome, error))
            original(task_record, future)

        return handle_exec_update

    def _submit_hook(self, original: Callable[..., Future[Any]]) -> Callable[..., Future[Any]]:
        observed = self._observed

        @functools.wraps(original)
        def submit(func: Any, resource_specification: Any, *args: Any, **kwargs: Any) -> Future[Any]:
            wrapper = observed.get(func)
            if wrapper is None:
                wrapper = observed[func] = Observed(func)
            return original(wrapper, resource_specification, *args, **kwargs)

        return submit

    def stop(self, timeout: float = 30.0) -> None:
        """Unhook, write what is queued and the run's end, and close the database."""
        for obj, name in reversed(self._wrapped):
            obj.__dict__.pop(name, None)
        self._wrapped.clear()
        self.ended = time.time()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("the run recorder did not finish writing within %.0f s", timeout)

    # -- what the progress display reads -------------------------------------------------------

    def snapshot(self) -> tuple[dict[str, dict[str, int]], list[tuple[str, str, str | None, str]]]:
        """Task counts per resource and group, and (resource, block, job id, state) per block."""
        with self._lock:
            counts: dict[str, dict[str, int]] = {}
            for (resource, group), n in self._counts.items():
                counts.setdefault(resource, {})[group] = n
            blocks = [(r, b, job, st) for (r, b), (job, st) in sorted(self._blocks.items())]
        return counts, blocks

    # -- the writer thread ---------------------------------------------------------------------

    def _write_header(self, db: Any) -> None:
        meta = {"run_id": self.dfk.run_id, "run_dir": os.path.abspath(self.dfk.run_dir), "started": self.started,
                "chiltepin_version": __version__, "host": self.host, "cwd": os.getcwd(), "pid": os.getpid(),
                "state": "running"}
        with db:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
            db.executemany("INSERT OR REPLACE INTO resources VALUES (?, ?, ?)",
                           [(name, b, p) for name, (b, p) in self.resources.items()])

    def _write_loop(self, db: Any) -> None:
        next_poll = next_write = 0.0
        try:
            while True:
                # Write at most every flush_period: one transaction per many events, not per few.
                self._stop.wait(max(0.0, next_write - time.monotonic()))
                stopping = self._stop.is_set()
                batch = self._drain()
                now = time.monotonic()
                next_write = now + self.flush_period
                polls = stopping or now >= next_poll
                if batch or polls:
                    self._apply(db, batch, poll=polls)
                    if polls:
                        next_poll = now + self.poll_period
                if stopping and not batch:
                    break
            if db is not None:
                with db:
                    db.execute("BEGIN")
                    db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                   [("state", "finished"), ("ended", str(self.ended or time.time()))])
        except Exception:
            logger.exception("the run recorder failed; the run database is incomplete")
        finally:
            if db is not None:
                db.close()

    def _drain(self, limit: int = 50000) -> list[tuple[Any, ...]]:
        try:
            batch = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        get = self._queue.get_nowait
        try:
            while len(batch) < limit:
                batch.append(get())
        except queue.Empty:
            pass
        return batch

    def _apply(self, db: Any, batch: list[tuple[Any, ...]], poll: bool) -> None:
        sql = _Batch()
        with self._lock:
            for item in batch:
                kind = item[0]
                if kind == _NEW:
                    self._new_task(sql, *item[1:])
                elif kind == _STATE:
                    self._state(sql, *item[1:])
                elif kind == _ATTEMPT:
                    self._attempt(sql, *item[1:])
                elif kind == _JOINS:
                    sql.dependencies += [(item[1], dep) for dep in item[2]]
                else:
                    self._final_error(sql, *item[1:])
            if poll:
                self._poll_blocks(sql)
        if db is not None:
            sql.write(db)
        for tid in [tid for tid in sql.tasks if sql.tasks[tid]["state"] in FINAL]:
            self._rows.pop(tid, None)
        for key in [key for key, row in sql.attempts.items() if row["state"] in FINAL or row["state"] == "failed"]:
            self._attempt_rows.pop(key, None)

    def _count(self, tid: int, resource: str, state: str) -> None:
        group = STATE_GROUPS.get(state, "running")
        old = self._task_group.pop(tid, None) if state in FINAL else self._task_group.get(tid)
        if old is not None:
            self._counts[old] -= 1
        if state not in FINAL:  # a finished task's group never changes again: forget it
            self._task_group[tid] = (resource, group)
        self._counts[(resource, group)] += 1

    def _new_task(self, sql: _Batch, tid: int, t: float, name: str, kind: str, resource: str,
                  deps: tuple[int, ...], stdout: str | None, stderr: str | None) -> None:
        self._count(tid, resource, "pending")
        row = _TaskRow(id=tid, name=name, kind=kind, resource=resource, state="pending", attempts=0, submitted=t,
                       stdout=stdout, stderr=stderr)
        self._rows[tid] = sql.tasks[tid] = row
        sql.events.append((tid, 0, "pending", t))
        sql.dependencies += [(tid, dep) for dep in deps]

    def _task_row(self, sql: _Batch, tid: int) -> _TaskRow | None:
        """The in-flight row of a task (None for one submitted before the recorder started)."""
        row = self._rows.get(tid)
        if row is not None:
            sql.tasks[tid] = row
        return row

    def _attempt_row(self, sql: _Batch, tid: int, attempt: int) -> _AttemptRow | None:
        row = self._attempt_rows.get((tid, attempt))
        if row is not None:
            sql.attempts[(tid, attempt)] = row
        return row

    def _state(self, sql: _Batch, tid: int, state: str, t: float, attempt: int) -> None:
        row = self._task_row(sql, tid)
        sql.events.append((tid, attempt, state, t))
        if row is None:
            return
        self._count(tid, row["resource"], state)
        row["state"] = state
        if state == "launched":
            row["launched"], row["attempts"] = t, attempt + 1
            new = _AttemptRow(task_id=tid, attempt=attempt, resource=row["resource"], state="launched", launched=t)
            self._attempt_rows[(tid, attempt)] = sql.attempts[(tid, attempt)] = new
            return
        current = self._attempt_row(sql, tid, attempt)
        if state in FINAL:
            row["ended"] = row["ended"] or t
            if current is not None:
                current["state"] = state
        elif state == "retrying" and current is not None:
            current["state"] = "failed"

    def _attempt(self, sql: _Batch, tid: int, attempt: int, t: float, outcome: tuple[Any, ...] | None,
                 error: tuple[str, str, int | None, str | None] | None) -> None:
        row = self._task_row(sql, tid)
        current = self._attempt_row(sql, tid, attempt)
        if row is None or current is None:
            return
        resource = row["resource"]
        if outcome is not None:
            host, pid, block, started, ended = outcome
            job = self._job_id(resource, block)
            if block is not None and (resource, block) not in self._block_hosts:
                self._block_hosts[(resource, block)] = host
                sql.block_hosts.append((host, resource, block))
                if self._blocks.get((resource, block), (None, "pending"))[1] == "pending":
                    # a worker of the block reported: it runs, whether or not the executor's
                    # status poll (every few seconds) has seen it yet
                    self._block_state(sql, resource, block, job, "running", started)
            sql.events.append((tid, attempt, "running", started))
            current.update(host=host, pid=pid, block=block, job_id=job, started=started, ended=ended)
            row.update(host=host, block=block, job_id=job, started=started, ended=ended)
        elif resource == WORKFLOW_RESOURCE:  # a join task's body ran in this process since its launch
            current.update(started=current["launched"], ended=t, host=self.host)
            row.update(started=row["launched"], host=self.host)
        else:  # no report from a worker: another kind of executor, or a lost attempt
            current["ended"] = t
        if error is not None:
            etype, message, code, host = error
            current.update(error_type=etype, error_message=message, exit_code=code,
                           lost_block=self._lost_block(resource, host) if host is not None else None)
            current["host"] = current["host"] or host

    def _final_error(self, sql: _Batch, tid: int, app_future: Future[Any]) -> None:
        try:
            exc = app_future.exception(timeout=5)
        except Exception:  # not set in time, or cancelled
            return
        if exc is None:
            return
        etype, message, code, _ = describe_error(exc)
        row = self._task_row(sql, tid)
        if row is not None:
            row.update(error_type=etype, error_message=message, exit_code=code)
        else:  # its row was written and let go in an earlier batch
            sql.late_errors.append((etype, message, code, tid))

    def _job_id(self, resource: str, block: str | None) -> str | None:
        if block is None:
            return None
        executor = self.dfk.executors.get(resource)
        job = getattr(executor, "blocks_to_job_id", {}).get(block)
        return str(job) if job is not None else None

    def _lost_block(self, resource: str, host: str) -> str | None:
        blocks = [b for (r, b), h in self._block_hosts.items() if r == resource and h == host]
        return blocks[0] if len(blocks) == 1 else None

    def _poll_blocks(self, sql: _Batch) -> None:
        now = time.time()
        for label in self.resources:
            executor = self.dfk.executors.get(label)
            try:
                statuses = dict(getattr(executor, "status_facade", None) or {})
                jobs = dict(getattr(executor, "blocks_to_job_id", None) or {})
            except Exception:  # an executor without block tables, or one shutting down
                continue
            for block, status in statuses.items():
                block = str(block)
                state = status.state.name.lower()
                job = jobs.get(block)
                job = str(job) if job is not None else None
                known = self._blocks.get((label, block))
                if known == (job, state) or (known is not None and known[1] == "running" and state == "pending"):
                    continue  # unchanged, or a poll older than a worker's report
                self._block_state(sql, label, block, job, state, now)

    def _block_state(self, sql: _Batch, resource: str, block: str, job: str | None, state: str, t: float) -> None:
        first = (resource, block) not in self._blocks
        self._blocks[(resource, block)] = (job, state)
        sql.blocks.append((resource, block, job, state, t if first else None, t))
        sql.block_events.append((resource, block, job, state, t))


class _Row:
    """A row being written, its columns as slots, read and set by name like a dict: the rows of
    in-flight tasks and attempts are held until they end, and slots take a third of the memory."""

    __slots__ = ()
    COLUMNS: tuple[str, ...] = ()
    _values: Callable[[Any], tuple[Any, ...]]

    def __init_subclass__(cls) -> None:
        cls.COLUMNS = tuple(cls.__slots__)
        cls._values = operator.attrgetter(*cls.COLUMNS)

    def __init__(self, **values: Any) -> None:
        for column in self.COLUMNS:
            setattr(self, column, values.get(column))

    def __getitem__(self, column: str) -> Any:
        return getattr(self, column)

    def __setitem__(self, column: str, value: Any) -> None:
        setattr(self, column, value)

    def update(self, **values: Any) -> None:
        for column, value in values.items():
            setattr(self, column, value)

    def values(self) -> tuple[Any, ...]:
        """The row's values in the order of its table's columns."""
        return self._values(self)


class _TaskRow(_Row):
    __slots__ = TASK_COLUMNS


class _AttemptRow(_Row):
    __slots__ = ATTEMPT_COLUMNS


class _Batch:
    """What one batch of events changes: whole task and attempt rows (each written once), and the
    rows to append."""

    def __init__(self) -> None:
        self.tasks: dict[int, _TaskRow] = {}
        self.attempts: dict[tuple[int, int], _AttemptRow] = {}
        self.events: list[tuple[Any, ...]] = []
        self.dependencies: list[tuple[int, int]] = []
        self.blocks: list[tuple[Any, ...]] = []
        self.block_events: list[tuple[Any, ...]] = []
        self.block_hosts: list[tuple[str, str, str]] = []
        self.late_errors: list[tuple[Any, ...]] = []

    def write(self, db: Any) -> None:
        statements: list[tuple[str, list[tuple[Any, ...]]]] = [
            (TASKS_UPSERT, [row.values() for row in self.tasks.values()]),
            (ATTEMPTS_UPSERT, [row.values() for row in self.attempts.values()]),
            ("INSERT INTO task_events VALUES (?, ?, ?, ?)", self.events),
            ("INSERT OR IGNORE INTO dependencies VALUES (?, ?)", self.dependencies),
            ("INSERT INTO blocks (resource, block, job_id, state, started, updated) VALUES (?, ?, ?, ?, ?, ?) "
             "ON CONFLICT (resource, block) DO UPDATE SET job_id = excluded.job_id, state = excluded.state, "
             "updated = excluded.updated", self.blocks),
            ("INSERT INTO block_events VALUES (?, ?, ?, ?, ?)", self.block_events),
            ("UPDATE blocks SET host = coalesce(host, ?) WHERE resource = ? AND block = ?", self.block_hosts),
            ("UPDATE tasks SET error_type = ?, error_message = ?, exit_code = ? WHERE id = ?", self.late_errors),
        ]
        statements = [(sql, rows) for sql, rows in statements if rows]
        if not statements:
            return
        with db:
            db.execute("BEGIN")
            for sql, rows in statements:
                db.executemany(sql, rows)
