"""``chiltepin status`` on a recorded run: golden outputs, the JSON schema, and bad input."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from chiltepin.cli import main
from chiltepin.runs.schema import SCHEMA_VERSION

DATA = Path(__file__).parent / "data"
SCHEMA = Path(__import__("chiltepin.runs", fromlist=["x"]).__file__).parent / "status.schema.json"


@pytest.fixture
def recorded(recorded_run, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "100")
    time.tzset()
    monkeypatch.chdir(tmp_path)
    yield recorded_run
    monkeypatch.undo()
    time.tzset()


def status(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["status", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("view", ["summary", "tasks", "failed"])
def test_status_output_matches_the_golden_file(recorded, capsys, view):
    """Default RUN_DIR is the latest run under ./runinfo; the golden files are reviewed by hand."""
    args = [] if view == "summary" else [f"--{view}"]
    code, out, err = status(capsys, *args)
    assert (code, err) == (0, "")
    expected = (DATA / f"status_{view}.txt").read_text().replace("{ROOT}", str(recorded.parent.parent))
    assert out == expected


def test_status_json_follows_the_schema(recorded, capsys):
    schema = json.loads(SCHEMA.read_text())
    code, out, _ = status(capsys, "--json", "--tasks", "--failed", str(recorded))
    assert code == 0
    data = json.loads(out)
    jsonschema.validate(data, schema)
    assert data["totals"] == {"pending": 0, "running": 0, "done": 5, "failed": 3}
    assert len(data["tasks"]) == 8 and {f["id"] for f in data["failures"]} == {3, 5, 6}
    assert data["failures"][0]["stderr_tail"][-1] == "bad"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "totals": {"done": -1}}, schema)


def test_directory_that_is_not_a_run_is_one_line(tmp_path, capsys):
    code, out, err = status(capsys, str(tmp_path))
    assert code == 1 and out == ""
    assert err == f"chiltepin: error: {tmp_path} is not a chiltepin run: it has no chiltepin.db and no runs " \
                  f"(NNN/chiltepin.db)\n"


def test_database_from_a_newer_chiltepin_is_one_line(recorded, capsys):
    db = sqlite3.connect(recorded / "chiltepin.db")
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    code, _, err = status(capsys, str(recorded))
    assert code == 1 and len(err.splitlines()) == 1
    assert "newer chiltepin" in err and "upgrade chiltepin-core" in err


def test_a_file_that_is_not_a_database_is_one_line(tmp_path, capsys):
    (tmp_path / "chiltepin.db").write_text("not sqlite")
    code, _, err = status(capsys, str(tmp_path))
    assert code == 1 and len(err.splitlines()) == 1 and "not a readable run database" in err


def test_missing_directory_is_one_line(tmp_path, capsys):
    code, _, err = status(capsys, os.fspath(tmp_path / "nope"))
    assert code == 1 and err.startswith("chiltepin: error: ") and "no such directory" in err


def test_watch_refreshes_until_the_run_finishes(recorded):
    """--watch on a running run keeps refreshing; it ends by itself once the run is finished."""
    db = sqlite3.connect(recorded / "chiltepin.db")
    db.execute("UPDATE meta SET value = 'running' WHERE key = 'state'")
    db.execute("UPDATE meta SET value = ? WHERE key = 'pid'", (str(os.getpid()),))  # a live "workflow"
    db.execute("UPDATE meta SET value = ? WHERE key = 'host'", (socket.gethostname(),))
    db.commit()
    script = os.path.join(os.path.dirname(sys.executable), "chiltepin")
    watch = subprocess.Popen([script, "status", "--watch", "--interval", "0.2", str(recorded)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        assert watch.poll() is None  # still watching a running run
        db.execute("UPDATE meta SET value = 'finished' WHERE key = 'state'")
        db.commit()
        out, err = watch.communicate(timeout=60)
    finally:
        if watch.poll() is None:
            watch.kill()
        db.close()
    assert watch.returncode == 0 and err == ""
    assert "Run 000 (finished)" in out and "8 tasks" in out


def test_a_run_whose_process_is_gone_is_interrupted(recorded, capsys):
    db = sqlite3.connect(recorded / "chiltepin.db")
    db.execute("UPDATE meta SET value = 'running' WHERE key = 'state'")
    db.execute("UPDATE meta SET value = ? WHERE key = 'host'", (socket.gethostname(),))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    db.execute("UPDATE meta SET value = ? WHERE key = 'pid'", (str(dead.pid),))
    db.commit()
    db.close()
    code, out, _ = status(capsys, "--json", str(recorded))
    assert code == 0 and json.loads(out)["run"]["state"] == "interrupted"
