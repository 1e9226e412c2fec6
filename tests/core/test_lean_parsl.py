"""The workflow process imports Parsl without the optional packages its workflow does not need
(Globus Compute's SDK, sqlalchemy), and a later workflow of the same process that needs one still
gets it. Each case runs in a fresh interpreter: the test process has imported Parsl already."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

import pytest

PLAIN_THEN_MONITORED = """
import json, sqlite3, sys
from chiltepin import Workflow
from chiltepin.tasks import python_task

@python_task
def double(x):
    return 2 * x

with Workflow(run_dir=RUN_DIR + "/plain", progress="off"):
    first = double(2, executor="local").result(60)
masked = sorted(m for m in ("globus_compute_sdk", "sqlalchemy") if m in sys.modules)
config = {"workflow": {"monitoring": True, "progress": "off"}}
with Workflow(config, run_dir=RUN_DIR + "/monitored"):
    second = double(3, executor="local").result(60)
tasks = sqlite3.connect(RUN_DIR + "/monitored/monitoring.db").execute("SELECT count(*) FROM task").fetchone()[0]
print(json.dumps([first, second, masked, tasks]))
"""


def _run(code: str, tmp_path) -> list:
    source = textwrap.dedent(code).replace("RUN_DIR", repr(str(tmp_path)))
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(importlib.util.find_spec("sqlalchemy") is None, reason="parsl[monitoring] is in the dev extra")
def test_a_plain_workflow_imports_neither_and_a_monitored_one_after_it_still_monitors(tmp_path):
    first, second, masked, tasks = _run(PLAIN_THEN_MONITORED, tmp_path)
    assert (first, second) == (4, 6)
    assert masked == []
    assert tasks == 1  # Parsl's monitoring database recorded the second workflow's task


INTERCHANGE_BARE = """
import json, sys
from chiltepin._startup.parsl_glue import INTERCHANGE_MODULE, import_lean

module = import_lean(INTERCHANGE_MODULE)
print(json.dumps([hasattr(module, "Interchange"), "parsl.dataflow.dflow" in sys.modules,
                  "parsl.providers" in sys.modules, hasattr(sys.modules["parsl"], "python_app")]))
"""


def test_the_interchange_imports_without_parsls_package_init(tmp_path):
    assert _run(INTERCHANGE_BARE, tmp_path) == [True, False, False, False]


def test_a_module_that_needs_its_package_init_is_imported_the_ordinary_way(tmp_path):
    package = tmp_path / "needsinit"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 42\n")
    (package / "sub.py").write_text("from needsinit import VALUE\n")
    code = f"""
import json, sys
sys.path.insert(0, {str(tmp_path)!r})
from chiltepin._startup.parsl_glue import import_lean

module = import_lean("needsinit.sub", bare=("needsinit",))
print(json.dumps([module.VALUE, sys.modules["needsinit"].VALUE]))
"""
    assert _run(code, tmp_path) == [42, 42]
