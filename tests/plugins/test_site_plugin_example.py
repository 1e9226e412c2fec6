"""The third-party site plugin example, installed like any plugin: its own tests, and a real
workflow on its presets (which run on this machine)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task, python_task


@python_task
def site_environment():
    import os

    return os.environ.get("CHILTEPIN_SITE"), os.getpid()


@bash_task
def count_ranks(stdout=None):
    return '$PARSL_MPI_PREFIX sh -c \'echo "rank $OMPI_COMM_WORLD_RANK of $OMPI_COMM_WORLD_SIZE"\''


def test_the_example_runs_its_own_contract_tests(cobalt_installed):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=cobalt_installed, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 passed" in done.stdout


def test_entry_point_is_discovered(installed_plugins):
    info = installed_plugins.owner("sites", "cobalt")
    assert (info.name, info.distribution) == ("site-cobalt", "chiltepin-site-cobalt")
    assert "chiltepin_detect_site" in info.hooks


def test_workflow_on_the_site_presets(installed_plugins, tmp_path):
    if shutil.which("mpiexec.openmpi") is None:
        pytest.skip("Open MPI is not installed (no mpiexec.openmpi); run scripts/install-system-deps.sh")
    config = {
        "compute": {"extends": "cobalt:compute", "init_blocks": 1},
        "service": {"extends": "cobalt:service"},
        "ranks": {"extends": "cobalt:mpi", "init_blocks": 1},
    }
    with Workflow(config, run_dir=str(tmp_path / "runinfo")) as workflow:
        assert workflow.resources["compute"].site == "cobalt"
        assert workflow.resources["ranks"].backend == "mpi"
        on_compute = site_environment(executor="compute")
        on_service = site_environment(executor="service")
        out = tmp_path / "ranks.out"
        ranks = count_ranks(executor="ranks", stdout=str(out),
                            chiltepin_task_geometry={"num_nodes": 1, "ranks_per_node": 2})
        compute_site, compute_pid = on_compute.result(timeout=120)
        service_site, service_pid = on_service.result(timeout=120)
        assert ranks.result(timeout=180) == 0
    assert (compute_site, service_site) == ("cobalt", "cobalt")   # the site's environment lines ran
    assert compute_pid != service_pid != os.getpid()
    assert sorted(out.read_text().split("\n")[:-1]) == ["rank 0 of 2", "rank 1 of 2"]
