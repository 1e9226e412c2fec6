"""`pip install ./chiltepin-core ./chiltepin-slurm` into an empty virtual environment is enough to
run a workflow on Slurm (no MPI or Globus packages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import importlib.util, json, os, sys
    from chiltepin import Workflow
    from chiltepin.errors import ConfigError
    from chiltepin.plugins import get_plugin_manager
    from chiltepin.tasks import python_task

    manager = get_plugin_manager()
    report = {
        "providers": sorted(manager.records("resource_providers")),
        "launchers": sorted(manager.records("launchers")),
        "others": [m for m in ("chiltepin_mpi", "chiltepin_globus") if importlib.util.find_spec(m)],
    }
    try:
        Workflow({"m": {"provider": "slurm", "mpi": True}}, run_dir=sys.argv[1]).start()
    except ConfigError as exc:
        report["mpi_error"] = str(exc)

    @python_task
    def job_id():
        import os
        return os.environ.get("SLURM_JOB_ID")

    config = {"hpc": {"provider": "slurm", "partition": "debug", "walltime": "00:02:00", "init_blocks": 1,
                      "environment": [f"export PATH={os.path.dirname(sys.executable)}:$PATH"]}}
    with Workflow(config, run_dir=sys.argv[1]):
        report["job"] = job_id(executor="hpc").result(timeout=120)
    print(json.dumps(report))
""")


def test_core_and_slurm_alone_run_a_slurm_workflow(cluster, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    members = [REPO / "chiltepin-core", REPO / "chiltepin-slurm"]

    def tree() -> set[Path]:
        return {p for member in members for p in member.rglob("*") if "__pycache__" not in p.parts}

    before = tree()
    # This environment's pip installs into the new one (saves bootstrapping pip there).
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                              "--quiet", str(REPO / "chiltepin-core"), str(REPO / "chiltepin-slurm")],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    # The wheels are built out of tree: no build/ or *.egg-info left in the sources.
    assert tree() - before == set()
    (tmp_path / "check.py").write_text(SCRIPT)
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # only what was installed
    run = subprocess.run([str(venv / "bin" / "python"), str(tmp_path / "check.py"), str(tmp_path / "runinfo")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path, env=clean)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert {"slurm", "pbspro"} <= set(report["providers"])
    assert {"srun", "mpiexec"} <= set(report["launchers"])
    assert report["others"] == []
    assert "chiltepin-mpi" in report.get("mpi_error", "")
    assert report["job"] and report["job"].isdigit()
