"""The run database of a real workflow (HTEX workers, bash, join, retried and failed tasks):
every recorded field, read back through the reader and through SQL."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from chiltepin import Workflow
from chiltepin.runs.reader import Run, find_run
from chiltepin.tasks import bash_task, join_task, python_task

CHILTEPIN = os.path.join(os.path.dirname(sys.executable), "chiltepin")
CONFIG = {"workflow": {"retries": 1, "progress": "off"},
          "compute": {"provider": "localhost", "executor": "htex", "max_workers_per_node": 1, "init_blocks": 1}}


@python_task
def add(a, b):
    return a + b


@python_task
def where():
    import os
    import socket

    return socket.gethostname(), os.getpid(), os.environ.get("PARSL_WORKER_BLOCK_ID")


@python_task
def fails_first_time(marker):
    import os

    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first attempt fails")
    return "second attempt"


@python_task
def boom():
    raise ValueError("no good")


@bash_task
def hello(stdout=None, stderr=None):
    return "echo hello; echo to-stderr >&2"


@bash_task
def exits(code, stdout=None, stderr=None):
    return f"echo about to fail >&2; exit {code}"


@join_task
def plus_one_later(x):
    return add(x, 1, executor="compute")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """One run with every kind of task; returns (run directory, what the workflow saw)."""
    base = tmp_path_factory.mktemp("rundb")
    seen = {}
    with Workflow(CONFIG, run_dir=str(base / "runinfo")) as wf:
        seen["run_dir"] = wf.run_dir
        a = add(1, 2, executor="compute")
        b = add(a, 3, executor="compute")
        seen["where"] = where(executor="compute").result(timeout=120)
        h = hello(stdout=str(base / "h.out"), stderr=str(base / "h.err"), executor="compute")
        x = exits(3, stdout=str(base / "x.out"), stderr=str(base / "x.err"), executor="compute")
        r = fails_first_time(str(base / "marker"), executor="compute")
        f = boom(executor="compute")
        d = add(f, 1, executor="compute")
        j = plus_one_later(b)
        seen["ids"] = {"a": a.tid, "b": b.tid, "h": h.tid, "x": x.tid, "r": r.tid, "f": f.tid, "d": d.tid,
                       "j": j.tid}
        assert j.result(timeout=120) == 7
        assert h.result(timeout=60) == 0 and r.result(timeout=60) == "second attempt"
        for fut in (x, f, d):
            fut.exception(timeout=60)
        seen["jobs"] = dict(wf.executors["compute"].blocks_to_job_id)
        seen["base"] = base
    return seen


def _task(run, tid):
    return next(t for t in run.tasks() if t["id"] == tid)


def test_tasks_have_name_kind_resource_state_and_times(recorded):
    ids = recorded["ids"]
    with Run(find_run(os.path.dirname(recorded["run_dir"]))) as run:
        assert os.path.samefile(run.run_dir, recorded["run_dir"])
        a = _task(run, ids["a"])
        assert (a["name"], a["kind"], a["resource"], a["state"], a["attempts"]) == ("add", "python", "compute",
                                                                                    "done", 1)
        assert a["submitted"] <= a["launched"] <= a["started"] <= a["ended"]
        h = _task(run, ids["h"])
        assert (h["name"], h["kind"], h["state"]) == ("hello", "bash", "done")
        assert h["stdout"] == str(recorded["base"] / "h.out") and h["stderr"] == str(recorded["base"] / "h.err")
        j = _task(run, ids["j"])
        assert (j["name"], j["kind"], j["resource"], j["state"]) == ("plus_one_later", "join", "workflow", "done")
        assert j["host"] == socket.gethostname()
        names = {t["id"]: t["name"] for t in run.tasks()}
        assert names[max(names)] == "add"  # the task the join task launched


def test_host_block_and_job_id_come_from_the_worker(recorded):
    host, pid, block = recorded["where"]
    with Run(recorded["run_dir"]) as run:
        w = next(t for t in run.tasks() if t["name"] == "where")
        assert (w["host"], w["block"]) == (host, block)
        assert w["job_id"] == str(recorded["jobs"][block])
        attempt = run.attempts(w["id"])[0]
        assert (attempt["pid"], attempt["host"], attempt["job_id"]) == (pid, host, w["job_id"])


def test_dependencies(recorded):
    ids = recorded["ids"]
    with Run(recorded["run_dir"]) as run:
        deps = set(run.dependencies())
    assert {(ids["b"], ids["a"]), (ids["d"], ids["f"]), (ids["j"], ids["b"])} <= deps


def test_retried_task_has_two_attempts_and_the_first_cause(recorded):
    tid = recorded["ids"]["r"]
    with Run(recorded["run_dir"]) as run:
        task = _task(run, tid)
        attempts = run.attempts(tid)
        states = [e["state"] for e in run.events(tid)]
    assert (task["state"], task["attempts"]) == ("done", 2)
    assert [(a["attempt"], a["state"]) for a in attempts] == [(0, "failed"), (1, "done")]
    assert (attempts[0]["error_type"], attempts[0]["error_message"]) == ("RuntimeError", "first attempt fails")
    assert attempts[1]["error_type"] is None
    assert states[:2] == ["pending", "launched"] and "retrying" in states and states[-1] == "done"
    assert all(a["started"] <= a["ended"] for a in attempts)


def test_failed_tasks_record_type_message_exit_code_and_dependency_failure(recorded):
    ids = recorded["ids"]
    with Run(recorded["run_dir"]) as run:
        x, f, d = (_task(run, ids[k]) for k in ("x", "f", "d"))
        failures = {item["id"]: item for item in run.failures()}
        x_attempts = run.attempts(ids["x"])
    assert (x["state"], x["error_type"], x["exit_code"], x["attempts"]) == ("failed", "BashTaskError", 3, 2)
    assert [a["exit_code"] for a in x_attempts] == [3, 3]
    assert (f["state"], f["error_type"], f["error_message"]) == ("failed", "ValueError", "no good")
    assert (d["state"], d["error_type"], d["attempts"]) == ("dep_fail", "UpstreamTaskError", 0)
    assert set(failures) == {ids["x"], ids["f"], ids["d"]}
    assert failures[ids["x"]]["stderr_tail"][-1] == "about to fail"


def test_blocks_have_job_ids_and_state_changes(recorded):
    jobs = recorded["jobs"]
    with Run(recorded["run_dir"]) as run:
        blocks = {b["block"]: b for b in run.blocks() if b["resource"] == "compute"}
        events = run.db.execute("SELECT block, job_id, state FROM block_events WHERE resource = 'compute' "
                                "ORDER BY time, rowid").fetchall()
        assert run.finished and run.info()["ended"] >= run.info()["started"]
    assert {b: blocks[b]["job_id"] for b in blocks} == {b: str(j) for b, j in jobs.items()}
    assert blocks["0"]["host"] == socket.gethostname()
    states = [e["state"] for e in events if e["block"] == "0"]
    assert states[0] == "pending" and "running" in states
    assert blocks["0"]["state"] == states[-1]


def test_schema_version_and_wal(recorded):
    db = sqlite3.connect(os.path.join(recorded["run_dir"], "chiltepin.db"))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"


@python_task
def wait_for(path):
    import os
    import time

    while not os.path.exists(path):
        time.sleep(0.05)
    return "released"


def test_another_process_reads_the_database_while_the_run_goes_on(tmp_path):
    release = tmp_path / "release"
    with Workflow(CONFIG, run_dir=str(tmp_path / "runinfo")) as wf:
        future = wait_for(str(release), executor="compute")
        deadline = time.monotonic() + 60
        while True:
            out = subprocess.run([CHILTEPIN, "status", "--json", wf.run_dir],
                                 capture_output=True, text=True)
            assert out.returncode == 0, out.stderr
            status = json.loads(out.stdout)
            if status["totals"]["running"] == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert status["run"]["state"] == "running"
        assert status["totals"] == {"pending": 0, "running": 1, "done": 0, "failed": 0}
        release.touch()
        assert future.result(timeout=60) == "released"


def test_run_db_option_off_writes_no_database(tmp_path):
    with Workflow({**CONFIG, "workflow": {"run_db": False, "progress": "off"}},
                  run_dir=str(tmp_path / "runinfo")) as wf:
        assert add(1, 1, executor="compute").result(timeout=120) == 2
        run_dir = wf.run_dir
    assert not os.path.exists(os.path.join(run_dir, "chiltepin.db"))
