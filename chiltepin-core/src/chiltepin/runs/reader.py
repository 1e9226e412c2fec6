"""Read a run database, from any process, while the run goes on or after it (never imports Parsl)."""

from __future__ import annotations

import os
import re
import socket
import time
from collections import deque
from typing import Any

from .schema import DB_NAME, STATE_GROUPS, TASK_COLUMNS, RunDatabaseError, open_for_reading

DEFAULT_ROOT = "runinfo"
_RUN_NAME = re.compile(r"^\d+$")


def _alive(pid: str | None) -> bool:
    try:
        os.kill(int(pid or ""), 0)
    except ValueError:
        return True  # no pid recorded: assume it runs
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def list_runs(root: str) -> list[str]:
    """The run directories (``NNN`` with a run database) under ``root``, oldest first."""
    try:
        names = [n for n in os.listdir(root) if _RUN_NAME.match(n)]
    except OSError:
        return []
    return [os.path.join(root, n) for n in sorted(names, key=int) if os.path.isfile(os.path.join(root, n, DB_NAME))]


def find_run(path: str | None) -> str:
    """The run directory ``path`` names: a run itself, or the latest run under it (default ./runinfo)."""
    path = path or DEFAULT_ROOT
    if os.path.isfile(os.path.join(path, DB_NAME)):
        return path
    if not os.path.isdir(path):
        raise RunDatabaseError(f"{path}: no such directory; give a run directory such as runinfo/000")
    runs = list_runs(path)
    if not runs:
        raise RunDatabaseError(f"{path} is not a chiltepin run: it has no {DB_NAME} and no runs (NNN/{DB_NAME})")
    return runs[-1]


def tail(path: str | None, lines: int, base: str | None = None) -> list[str]:
    """The last ``lines`` lines of a file (relative paths are taken from ``base``), or [] if unreadable."""
    if not path:
        return []
    if base and not os.path.isabs(path):
        path = os.path.join(base, path)
    try:
        with open(path, errors="replace") as handle:
            return [line.rstrip("\n") for line in deque(handle, maxlen=lines)]
    except OSError:
        return []


class Run:
    """One run's database, opened read-only."""

    def __init__(self, run_dir: str):
        self.run_dir = run_dir
        self.db = open_for_reading(os.path.join(run_dir, DB_NAME))
        self.meta: dict[str, str] = {r["key"]: r["value"] for r in self.db.execute("SELECT key, value FROM meta")}

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the run as a whole -----------------------------------------------------------------

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.run_dir))

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @property
    def state(self) -> str:
        """running, finished, or interrupted (the workflow process on this host is gone unfinished)."""
        state = self.meta.get("state", "unknown")
        if state == "running" and self.meta.get("host") == socket.gethostname() and not _alive(self.meta.get("pid")):
            return "interrupted"
        return state

    def times(self) -> tuple[float | None, float | None]:
        """(started, ended) of the run; ended is None while it runs."""
        started, ended = self.meta.get("started"), self.meta.get("ended")
        return (float(started) if started else None, float(ended) if ended else None)

    def info(self) -> dict[str, Any]:
        started, ended = self.times()
        end = ended if ended is not None else time.time()
        return {"name": self.name, "run_dir": os.path.abspath(self.run_dir), "run_id": self.meta.get("run_id"),
                "state": self.state, "host": self.meta.get("host"),
                "started": started, "ended": ended,
                "duration": round(end - started, 3) if started is not None else None,
                "chiltepin_version": self.meta.get("chiltepin_version")}

    # -- tasks --------------------------------------------------------------------------------

    def counts(self) -> list[dict[str, Any]]:
        """Tasks by resource, name and state."""
        rows = self.db.execute("SELECT resource, name, state, count(*) AS n FROM tasks "
                               "GROUP BY resource, name, state ORDER BY resource, name, state")
        return [{"resource": r["resource"], "name": r["name"], "state": r["state"], "count": r["n"]} for r in rows]

    def totals(self, counts: list[dict[str, Any]] | None = None) -> dict[str, int]:
        """Tasks per summary group (pending, running, done, failed) over the whole run."""
        out = {"pending": 0, "running": 0, "done": 0, "failed": 0}
        for row in self.counts() if counts is None else counts:
            out[STATE_GROUPS.get(row["state"], "running")] += row["count"]
        return out

    def tasks(self, where: str = "", params: tuple[Any, ...] = (), limit: int | None = None) -> list[dict[str, Any]]:
        """Task rows (every column of the tasks table), by id; ``where`` is an SQL condition clause."""
        sql = f"SELECT {', '.join(TASK_COLUMNS)} FROM tasks {where} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [dict(r) for r in self.db.execute(sql, params)]

    def attempts(self, task_id: int | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE task_id = ?", (task_id,)) if task_id is not None else ("", ())
        return [dict(r) for r in self.db.execute(f"SELECT * FROM attempts {where} ORDER BY task_id, attempt", params)]

    def events(self, task_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(
            "SELECT attempt, state, time FROM task_events WHERE task_id = ? ORDER BY rowid", (task_id,))]

    def dependencies(self) -> list[tuple[int, int]]:
        """(task, task it depends on) pairs."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT task_id, depends_on FROM dependencies")]

    def failures(self, tail_lines: int = 10) -> list[dict[str, Any]]:
        """Each failed task with its cause, its failed attempts and the tail of its stderr."""
        out = []
        for task in self.tasks("WHERE state IN ('failed', 'dep_fail')"):
            attempts = [{k: a[k] for k in ("attempt", "error_type", "error_message", "exit_code", "host", "block",
                                           "job_id", "lost_block")}
                        for a in self.attempts(task["id"]) if a["error_type"]]
            out.append({**task, "failed_attempts": attempts,
                        "stderr_tail": tail(task["stderr"], tail_lines, self.meta.get("cwd"))})
        return out

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute(
            "SELECT resource, block, job_id, state, host, started, updated FROM blocks ORDER BY resource, "
            "CAST(block AS INTEGER), block")]

    def status(self, *, tasks: bool = False, failed: bool = False) -> dict[str, Any]:
        """What ``chiltepin status --json`` prints (see status.schema.json)."""
        counts = self.counts()
        out: dict[str, Any] = {"run": self.info(), "totals": self.totals(counts), "counts": counts,
                               "blocks": self.blocks()}
        if tasks:
            out["tasks"] = self.tasks()
        if failed:
            out["failures"] = self.failures()
        return out
