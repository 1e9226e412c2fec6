"""Job-script preview: ``Workflow.job_script(name)`` and ``chiltepin config show --job-script``.

Golden files (tests/slurm/golden/) hold the exact scripts for a Slurm and a PBS Pro resource; on
the real test cluster the previewed script is compared byte for byte with the one the workflow
then submits, after putting the run's own directory number, worker port and submission time
back into placeholders.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chiltepin import Workflow
from chiltepin.errors import ConfigError
from chiltepin.job_script import PORT, RUN, TIME

GOLDEN = Path(__file__).with_name("golden")

CONFIG = {
    "hpc": {"provider": "slurm", "partition": "debug", "account": "wx-ops", "nodes_per_block": 2,
            "cores_per_node": 4, "walltime": "01:30:00", "scheduler_options": ["#SBATCH --licenses=scratch"],
            "environment": ["module load gcc/12", "export OMP_PROC_BIND=true"], "max_workers_per_node": 4},
    "pbs": {"provider": "pbspro", "queue": "workq", "account": "wx-ops", "mpi": True, "nodes_per_block": 2,
            "cores_per_node": 8, "mpi_launcher": "mpiexec-mpich", "walltime": "00:30:00",
            "select_options": "mpiprocs=8", "environment": ["module load mpich"]},
}


def preview(name: str, where: Path) -> str:
    """The preview with the test's directory shown as /HOME (goldens are machine-independent)."""
    return Workflow(CONFIG, run_dir=str(where / "runinfo")).job_script(name).replace(str(where), "/HOME")


@pytest.mark.parametrize("name, golden", [("hpc", "slurm_htex.sh"), ("pbs", "pbspro_mpi.sh")])
def test_preview_matches_the_golden_script(name, golden, tmp_path):
    assert preview(name, tmp_path) == (GOLDEN / golden).read_text()


def test_cli_prints_the_same_script_and_submits_nothing(tmp_path):
    import yaml

    run_dir = tmp_path / "runinfo"
    (tmp_path / "resources.yaml").write_text(yaml.safe_dump({**CONFIG, "workflow": {"run_dir": str(run_dir)}}))
    done = subprocess.run([str(Path(sys.executable).with_name("chiltepin")), "config", "show", "--job-script", "hpc",
                           "resources.yaml"], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "PATH": "/nonexistent"})  # no sbatch it could run
    assert done.returncode == 0, done.stderr
    assert done.stdout.replace(str(tmp_path), "/HOME") == (GOLDEN / "slurm_htex.sh").read_text()
    assert not run_dir.exists()


def test_preview_of_a_resource_without_batch_jobs_or_unknown_names_it(tmp_path):
    workflow = Workflow(CONFIG, run_dir=str(tmp_path / "runinfo"))
    with pytest.raises(ConfigError, match=r"local: the resource is on provider 'localhost'.*submits no job script"):
        workflow.job_script("local")
    with pytest.raises(ConfigError, match=r"no resource named 'hcp' in the configuration \(did you mean 'hpc'\?\)"):
        workflow.job_script("hcp")


def submitted_script(run_dir: Path, timeout: float = 60) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # the qsub stand-in's own wrapper sits beside the script it submits
        found = [p for p in (run_dir / "submit_scripts").glob("parsl.res.*")
                 if p.suffix not in (".stdout", ".stderr", ".slurm-wrapper") and not p.name.startswith("cmd_")
                 ] if (run_dir / "submit_scripts").is_dir() else []
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no job script was submitted under {run_dir}")


@pytest.mark.slurm
@pytest.mark.parametrize("provider", ["slurm", "pbspro"])
def test_preview_is_the_script_a_block_submits(provider, cluster, worker_env, tmp_path, request):
    """The real submission of block 0 on the test cluster (PBS Pro through the qsub stand-in)."""
    if provider == "pbspro":
        request.getfixturevalue("pbs_standins")
    queue = {"partition": "debug"} if provider == "slurm" else {"queue": "debug"}
    config = {"res": {"provider": provider, **queue, "nodes_per_block": 1, "walltime": "00:02:00",
                      "init_blocks": 1, "max_workers_per_node": 1, "environment": worker_env + ["export A=1"]}}
    expected = Workflow(config, run_dir=str(tmp_path / "runinfo")).job_script("res")
    with Workflow(config, run_dir=str(tmp_path / "runinfo"), strategy_period=0.5) as workflow:
        script = submitted_script(Path(workflow.run_dir))
        text = script.read_text()
        port = workflow.executors["res"].worker_port
        run = Path(workflow.run_dir).name
    match = re.fullmatch(r"parsl\.res\.block-0\.(.+?)(\.submit)?", script.name)
    assert match, script.name
    stamp = match.group(1)
    normalized = (text.replace(f"runinfo/{run}/", f"runinfo/{RUN}/").replace(f"--port={port} ", f"--port={PORT} ")
                  .replace(f".block-0.{stamp}", f".block-0.{TIME}"))
    assert normalized == expected
