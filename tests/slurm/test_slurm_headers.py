"""Golden tests: the whole #SBATCH / #PBS header a resource renders, and the submit command."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SLURM_MINIMAL = """\
#!/bin/bash

#SBATCH --job-name=JOB
#SBATCH --output=DIR/JOB.stdout
#SBATCH --error=DIR/JOB.stderr
#SBATCH --nodes=1
#SBATCH --time=10
#SBATCH --ntasks-per-node=1

#SBATCH --exclusive
"""

SLURM_FULL = """\
#!/bin/bash

#SBATCH --job-name=JOB
#SBATCH --output=DIR/JOB.stdout
#SBATCH --error=DIR/JOB.stderr
#SBATCH --nodes=4
#SBATCH --time=1590
#SBATCH --ntasks-per-node=1
#SBATCH --licenses=scratch
#SBATCH --partition=cpu
#SBATCH --account=proj
#SBATCH --qos=normal
#SBATCH --constraint=cpu&ib
#SBATCH --gpus-per-node=4
#SBATCH --mem=64g
#SBATCH --cpus-per-task=8
"""

SLURM_MPI = """\
#!/bin/bash

#SBATCH --job-name=JOB
#SBATCH --output=DIR/JOB.stdout
#SBATCH --error=DIR/JOB.stderr
#SBATCH --nodes=3
#SBATCH --time=10
#SBATCH --ntasks-per-node=4

#SBATCH --exclusive
#SBATCH --partition=debug
"""

PBS_MINIMAL = """\
#!/bin/bash

#PBS -S /bin/bash
#PBS -N JOB
#PBS -m n
#PBS -l walltime=00:10:00
#PBS -l select=1
#PBS -o DIR/JOB.stdout
#PBS -e DIR/JOB.stderr
"""

PBS_MPI = """\
#!/bin/bash

#PBS -S /bin/bash
#PBS -N JOB
#PBS -m n
#PBS -l walltime=00:30:00
#PBS -l select=2:ncpus=64:mpiprocs=64
#PBS -o DIR/JOB.stdout
#PBS -e DIR/JOB.stderr
"""

PBS_MPI_NO_CORES = PBS_MINIMAL.replace("select=1", "select=2")

PBS_FULL = """\
#!/bin/bash

#PBS -S /bin/bash
#PBS -N JOB
#PBS -m n
#PBS -l walltime=48:00:00
#PBS -l select=3:ncpus=128:ngpus=4:mem=256gb:ompthreads=2
#PBS -o DIR/JOB.stdout
#PBS -e DIR/JOB.stderr
#PBS -l place=scatter
#PBS -l filesystems=home:eagle
"""


@pytest.mark.parametrize(("block", "mpi", "header", "submit"), [
    pytest.param({"provider": "slurm"}, False, SLURM_MINIMAL, "sbatch DIR/JOB", id="slurm-defaults"),
    pytest.param({"provider": "slurm", "partition": "cpu", "account": "proj", "qos": "normal",
                  "constraint": "cpu&ib", "mem_per_node": 64, "gpus_per_node": 4, "cores_per_node": 8,
                  "walltime": "1-02:30:00", "nodes_per_block": 4, "exclusive": False,
                  "scheduler_options": ["#SBATCH --licenses=scratch"], "environment": ["module load x"]},
                 False, SLURM_FULL, "sbatch DIR/JOB", id="slurm-every-key"),
    pytest.param({"provider": "slurm", "partition": "cpu", "account": "proj", "queue": "normal",
                  "constraint": "cpu&ib", "mem_per_node": 64, "gpus_per_node": 4, "cores_per_node": 8,
                  "walltime": "26:30:00", "nodes_per_block": 4, "exclusive": False,
                  "scheduler_options": ["#SBATCH --licenses=scratch"]},
                 False, SLURM_FULL, "sbatch DIR/JOB", id="slurm-queue-is-qos"),
    pytest.param({"provider": "slurm", "partition": "debug", "cores_per_node": 4, "nodes_per_block": 3,
                  "launcher": "simple"}, True, SLURM_MPI, "sbatch DIR/JOB", id="slurm-mpi-rank-slots"),
    pytest.param({"provider": "pbspro"}, False, PBS_MINIMAL, "qsub  DIR/JOB", id="pbs-no-ncpus-none"),
    pytest.param({"provider": "pbspro", "nodes_per_block": 2, "launcher": "simple"}, True, PBS_MPI_NO_CORES,
                 "qsub  DIR/JOB", id="pbs-mpi-without-cores"),
    pytest.param({"provider": "pbspro", "cores_per_node": 64, "nodes_per_block": 2, "walltime": "00:30:00",
                  "select_options": "mpiprocs=64", "launcher": "simple"}, True, PBS_MPI, "qsub  DIR/JOB",
                 id="pbs-mpi"),
    pytest.param({"provider": "pbspro", "cores_per_node": 128, "gpus_per_node": 4, "mem_per_node": 256,
                  "select_options": ":ompthreads=2", "nodes_per_block": 3, "queue": "prod", "account": "proj",
                  "scheduler_options": ["#PBS -l place=scatter", "#PBS -l filesystems=home:eagle"],
                  "walltime": "2-00:00:00", "environment": ["module load x"]},
                 False, PBS_FULL, "qsub  -q prod -A proj DIR/JOB", id="pbs-every-key"),
])
def test_rendered_header(render, block, mpi, header, submit):
    rendered = render(block, mpi=mpi)
    assert rendered.header == header
    assert rendered.submit == submit


def test_environment_lines_follow_the_header(render):
    script = render({"provider": "slurm", "environment": ["module load gcc", "export A=1"]}).script
    body = script.split(SLURM_MINIMAL, 1)[1]
    assert body.lstrip("\n").startswith("module load gcc\nexport A=1\n")


@pytest.mark.parametrize("provider", ["slurm", "pbspro"])
def test_only_non_mpi_cores_size_the_workers(resolve, provider):
    """HTEX sizes a node's workers from the provider's cores_per_node; Parsl asks MPI executors'
    providers to leave it unset."""
    from chiltepin.plugins import get_plugin_manager

    record = get_plugin_manager().lookup("resource_providers", provider)
    for mpi, expected in ((False, 16), (True, None)):
        built = record.build(resolve({"provider": provider, "cores_per_node": 16}, mpi=mpi), None)
        assert built.cores_per_node == expected


DAYS = st.integers(0, 30)
CLOCK = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=DAYS, clock=CLOCK)
def test_slurm_time_is_walltime_rounded_up_to_minutes(render, days, clock):
    hours, minutes, seconds = clock
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if total == 0:
        return
    text = f"{days}-{hours:02d}:{minutes:02d}:{seconds:02d}" if days else f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    header = render({"provider": "slurm", "walltime": text}).header
    assert f"#SBATCH --time={math.ceil(total / 60)}\n" in header


@pytest.mark.parametrize(("block", "present", "absent"), [
    ({"provider": "slurm", "nodes_per_block": 3, "srun_options": "--cpu-bind=none"},
     "srun --ntasks 3 -l --cpu-bind=none bash", "mpiexec"),
    ({"provider": "slurm", "launcher": "single-node"}, "WORKER_COMMAND", "srun"),
    ({"provider": "pbspro", "nodes_per_block": 2, "mpiexec_options": "--oversubscribe"},
     "WORKERCOUNT=2", "srun"),
    ({"provider": "pbspro", "mpiexec_options": "--oversubscribe"},
     "mpiexec --bind-to none --oversubscribe -n $WORKERCOUNT --hostfile $HOSTFILE", "srun"),
    ({"provider": "pbspro", "launcher": "srun"}, "srun --ntasks 1 -l", "mpiexec"),
])
def test_block_launcher_defaults_and_overrides(render, block, present, absent):
    body = render(block).script.split("export JOBNAME=", 1)[1]
    assert present in body
    assert absent not in body
