"""The recorded run that the status, dag, report and dashboard tests read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def load_recorded_run(root: Path) -> Path:
    """The recorded run (tests/runs/data/recorded_run.sql) as root/runinfo/000, its working
    directory moved to ``root`` (with the failed bash task's stderr file)."""
    run_dir = root / "runinfo" / "000"
    run_dir.mkdir(parents=True)
    db = sqlite3.connect(run_dir / "chiltepin.db")
    db.executescript((DATA / "recorded_run.sql").read_text())
    db.execute("UPDATE meta SET value = ? WHERE key = 'cwd'", (str(root),))
    db.execute("UPDATE meta SET value = ? WHERE key = 'run_dir'", (str(run_dir),))
    db.commit()
    db.close()
    (root / "f.err").write_text("".join(f"line {i}\n" for i in range(1, 15)) + "bad\n")
    return run_dir


@pytest.fixture
def recorded_run(tmp_path) -> Path:
    return load_recorded_run(tmp_path)
