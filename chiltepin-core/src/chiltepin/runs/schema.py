"""The run database's tables, its version, and opening it for writing or reading.

One SQLite file per run, ``<run_dir>/chiltepin.db``, in WAL mode so that other processes
(``chiltepin status``, the dashboard) read it while the workflow writes. Times are Unix seconds.
"""

from __future__ import annotations

import os
import sqlite3

from ..errors import ChiltepinError

DB_NAME = "chiltepin.db"
#: Bumped when a reader of an older chiltepin could misread the tables.
SCHEMA_VERSION = 1

#: Task states as recorded (Parsl's names mapped to these), and what they count as in summaries.
STATE_GROUPS = {
    "pending": "pending", "retrying": "pending",
    "launched": "running", "running": "running", "joining": "running",
    "done": "done", "cached": "done",
    "failed": "failed", "dep_fail": "failed",
}
GROUPS = ("pending", "running", "done", "failed")

#: Columns of the tasks and attempts tables, in order.
TASK_COLUMNS = ("id", "name", "kind", "resource", "state", "attempts", "submitted", "launched", "started", "ended",
                "block", "job_id", "host", "stdout", "stderr", "error_type", "error_message", "exit_code")
ATTEMPT_COLUMNS = ("task_id", "attempt", "resource", "state", "launched", "started", "ended", "host", "pid", "block",
                   "job_id", "error_type", "error_message", "exit_code", "lost_block")

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS resources (name TEXT PRIMARY KEY, backend TEXT, provider TEXT);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, resource TEXT, state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, submitted REAL, launched REAL, started REAL, ended REAL,
    block TEXT, job_id TEXT, host TEXT, stdout TEXT, stderr TEXT,
    error_type TEXT, error_message TEXT, exit_code INTEGER);
CREATE TABLE IF NOT EXISTS dependencies (
    task_id INTEGER NOT NULL, depends_on INTEGER NOT NULL, PRIMARY KEY (task_id, depends_on)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_events (task_id INTEGER NOT NULL, attempt INTEGER NOT NULL, state TEXT NOT NULL,
    time REAL NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    task_id INTEGER NOT NULL, attempt INTEGER NOT NULL, resource TEXT, state TEXT, launched REAL,
    started REAL, ended REAL, host TEXT, pid INTEGER, block TEXT, job_id TEXT,
    error_type TEXT, error_message TEXT, exit_code INTEGER, lost_block TEXT,
    PRIMARY KEY (task_id, attempt)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    resource TEXT NOT NULL, block TEXT NOT NULL, job_id TEXT, state TEXT, host TEXT, started REAL, updated REAL,
    PRIMARY KEY (resource, block)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS block_events (resource TEXT NOT NULL, block TEXT NOT NULL, job_id TEXT, state TEXT,
    time REAL NOT NULL);
CREATE INDEX IF NOT EXISTS task_events_task ON task_events (task_id);
CREATE INDEX IF NOT EXISTS tasks_summary ON tasks (resource, name, state);
"""


class RunDatabaseError(ChiltepinError):
    """A run directory or database that cannot be read."""


def open_for_writing(path: str) -> sqlite3.Connection:
    """Create (or reopen) the database at ``path`` with every table, in WAL mode."""
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(DDL)
    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    return db


def open_for_reading(path: str) -> sqlite3.Connection:
    """Open a run database read-only; refuse one written by a newer chiltepin."""
    if not os.path.isfile(path):
        raise RunDatabaseError(f"{os.path.dirname(path) or '.'} is not a chiltepin run: it has no {DB_NAME}")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise RunDatabaseError(f"{path} is not a readable run database ({exc})") from None
    version = int(row[0]) if row else 0
    if version > SCHEMA_VERSION:
        db.close()
        raise RunDatabaseError(f"{path} was written by a newer chiltepin (database version {version}; this "
                               f"chiltepin-core reads up to {SCHEMA_VERSION}); upgrade chiltepin-core to read it")
    db.row_factory = sqlite3.Row
    return db
