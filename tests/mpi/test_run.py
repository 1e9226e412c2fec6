"""Real MPI programs through chiltepin on this machine, with Open MPI and with MPICH.

One workflow serves the module: the built-in ``local`` resource compiles an MPI hello program with
each flavour's mpicc, and one ``provider: localhost`` MPI resource per flavour runs it with
``$PARSL_MPI_PREFIX`` (1x2, 1x4 on a 2-core machine, two tasks at once with ``max_mpi_apps: 2``).
"""

from __future__ import annotations

import re
import textwrap

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task, python_task
from chiltepin_mpi import TaskGeometry
from mpi_toolchains import FLAVOURS, OPENMPI_ENVIRONMENT, missing_programs, require

pytestmark = pytest.mark.mpi

TIMEOUT = 180

HELLO_C = textwrap.dedent("""\
    #include <mpi.h>
    #include <stdio.h>
    #include <stdlib.h>
    int main(int argc, char **argv) {
        int rank, size, sum = 0;
        const char *threads = getenv("OMP_NUM_THREADS");
        MPI_Init(&argc, &argv);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        printf("rank %d of %d sum %d threads %s\\n", rank, size, sum, threads ? threads : "unset");
        MPI_Finalize();
        return 0;
    }
    """)


@bash_task
def compile_hello(compiler, source, program, stdout=None, stderr=None):
    return f"{compiler} -o {program} {source}"


@bash_task
def run_hello(program, stdout=None, stderr=None):
    return f"$PARSL_MPI_PREFIX {program}"


@bash_task
def run_hello_with_partner(program, me, partner, stdout=None, stderr=None):
    """Start, then wait (up to 120 s) until the partner task has started too, then run the program."""
    return (f"touch {me}; for i in $(seq 1200); do [ -e {partner} ] && break; sleep 0.1; done; "
            f"[ -e {partner} ] || {{ echo 'partner task never started' >&2; exit 7; }}; "
            f"$PARSL_MPI_PREFIX {program}")


@python_task
def run_hello_from_python(program):
    import os
    import shlex
    import subprocess

    prefix = os.environ["PARSL_MPI_PREFIX"]
    done = subprocess.run(shlex.split(prefix) + [program], capture_output=True, text=True, timeout=120)
    return prefix, done.returncode, done.stdout, done.stderr


@python_task
def environment(name):
    import os

    return os.environ.get(name)


@python_task
def environment_with_partner(name, me, partner):
    """os.environ[name], read while the partner task runs too (so each runs on its own worker)."""
    import os
    import pathlib
    import time

    pathlib.Path(me).touch()
    deadline = time.monotonic() + 120
    while not os.path.exists(partner):
        if time.monotonic() > deadline:
            raise RuntimeError("partner task never started")
        time.sleep(0.05)
    return os.environ.get(name)


def ranks_ran(output: str, expected: int) -> list[str]:
    """The 'threads' value each rank printed, after checking that exactly ranks 0..expected-1 of
    a world of ``expected`` ran and agreed on the Allreduce."""
    lines = re.findall(r"^rank (\d+) of (\d+) sum (\d+) threads (\S+)$", output, re.MULTILINE)
    assert sorted(int(rank) for rank, _, _, _ in lines) == list(range(expected)), output
    assert {(int(size), int(total)) for _, size, total, _ in lines} == {(expected, expected * (expected - 1) // 2)}
    return [threads for *_, threads in lines]


@pytest.fixture(scope="module")
def mpi_run(tmp_path_factory):
    """The shared workflow and the compiled programs, by flavour (None when not installed)."""
    base = tmp_path_factory.mktemp("mpi")
    config = {flavour: {"mpi": True, "max_mpi_apps": 2, "environment": OPENMPI_ENVIRONMENT, **spec["resource"]}
              for flavour, spec in FLAVOURS.items()}
    (base / "hello.c").write_text(HELLO_C)
    with Workflow(config, run_dir=str(base / "runinfo")) as workflow:
        workflow.shared_by_module = True
        programs = {}
        for flavour, spec in FLAVOURS.items():
            if missing_programs(flavour):
                programs[flavour] = None
                continue
            program = base / f"hello_{flavour}"
            compile_hello(spec["cc"], base / "hello.c", program, executor="local",
                          stdout=str(base / f"cc_{flavour}.out"), stderr=str(base / f"cc_{flavour}.err")
                          ).result(timeout=TIMEOUT)
            programs[flavour] = program
        yield workflow, programs, base
        workflow.shared_by_module = False


@pytest.fixture(params=sorted(FLAVOURS))
def flavour(request, mpi_run):
    require(request.param)
    return request.param


@pytest.mark.parametrize("ranks", [2, 4])
def test_bash_task_runs_the_geometry(mpi_run, flavour, ranks, tmp_path):
    _, programs, _ = mpi_run
    out = tmp_path / "out"
    run_hello(programs[flavour], executor=flavour, chiltepin_task_geometry={"num_nodes": 1, "ranks_per_node": ranks},
              stdout=str(out), stderr=str(tmp_path / "err")).result(timeout=TIMEOUT)
    assert ranks_ran(out.read_text(), ranks) == ["unset"] * ranks


def test_python_task_uses_the_prefix_from_the_environment(mpi_run, flavour):
    _, programs, _ = mpi_run
    prefix, returncode, stdout, stderr = run_hello_from_python(
        str(programs[flavour]), executor=flavour, chiltepin_task_geometry=TaskGeometry(num_ranks=3)
    ).result(timeout=TIMEOUT)
    assert returncode == 0, stderr
    assert prefix.startswith(FLAVOURS[flavour]["run"] + " -n 3 ")
    ranks_ran(stdout, 3)


def test_threads_per_rank_reaches_every_rank(mpi_run, flavour, tmp_path):
    _, programs, _ = mpi_run
    out = tmp_path / "out"
    run_hello(programs[flavour], executor=flavour,
              chiltepin_task_geometry={"num_ranks": 2, "threads_per_rank": 3},
              stdout=str(out), stderr=str(tmp_path / "err")).result(timeout=TIMEOUT)
    assert ranks_ran(out.read_text(), 2) == ["3", "3"]


def test_two_tasks_of_different_geometries_run_at_once(mpi_run, flavour, tmp_path):
    _, programs, _ = mpi_run
    a, b = tmp_path / "a.started", tmp_path / "b.started"
    futures = [
        run_hello_with_partner(programs[flavour], me, partner, executor=flavour,
                               chiltepin_task_geometry={"num_nodes": 1, "ranks_per_node": ranks},
                               stdout=str(tmp_path / f"{ranks}.out"), stderr=str(tmp_path / f"{ranks}.err"))
        for me, partner, ranks in ((a, b, 2), (b, a, 3))]
    for future, ranks in zip(futures, (2, 3), strict=True):
        assert future.exception(timeout=TIMEOUT) is None, (tmp_path / f"{ranks}.err").read_text()
        ranks_ran((tmp_path / f"{ranks}.out").read_text(), ranks)


def test_environment_is_restored_after_a_threaded_task(mpi_run, flavour, tmp_path):
    """Both workers of the block run a threaded task at once, then a plain task at once: the
    plain ones must see the pool's own OMP_NUM_THREADS, not the threaded tasks'."""
    before = environment("OMP_NUM_THREADS", executor="local").result(timeout=TIMEOUT)
    for label, geometry, expected in (("threaded", {"num_ranks": 1, "threads_per_rank": 5}, "5"),
                                      ("plain", {"num_ranks": 1}, before)):
        a, b = tmp_path / f"{label}.a", tmp_path / f"{label}.b"
        futures = [environment_with_partner("OMP_NUM_THREADS", str(me), str(partner), executor=flavour,
                                            chiltepin_task_geometry=geometry) for me, partner in ((a, b), (b, a))]
        assert [f.result(timeout=TIMEOUT) for f in futures] == [expected, expected]


@python_task
def session_base():
    import os

    path = os.environ.get("OMPI_MCA_orte_tmpdir_base")
    return path, path is not None and os.path.isdir(path)


def test_each_open_mpi_task_gets_its_own_session_base_for_its_duration(mpi_run):
    """Open MPI 4 fails now and then when two mpiexec create /tmp/ompi.<host>.<uid> at once."""
    import os

    geometry = {"num_ranks": 1}
    first, second = (session_base(executor="openmpi", chiltepin_task_geometry=geometry).result(timeout=TIMEOUT)
                     for _ in range(2))
    assert first[1] and second[1] and first[0] != second[0]
    assert not os.path.exists(first[0]) and not os.path.exists(second[0])
    assert session_base(executor="mpich", chiltepin_task_geometry=geometry).result(timeout=TIMEOUT) == (None, False)


@pytest.mark.parametrize("geometry, error, message", [
    ({"num_nodes": 1, "num_ranks": 3, "ranks_per_node": 2}, ValueError,
     r"num_ranks \(3\) must equal num_nodes \(1\) x ranks_per_node \(2\) = 2"),
    ({"num_ranks": 0}, ValueError, "num_ranks must be a positive integer, got 0"),
    ({"num_ranks": -2}, ValueError, "num_ranks must be a positive integer, got -2"),
    ({"num_ranks": "4"}, TypeError, "num_ranks must be a positive integer, got str '4'"),
    ({"num_ranks": 2, "ranks": 2}, ValueError, "unknown field 'ranks'"),
    ({"num_nodes": 2, "ranks_per_node": 1}, ValueError,
     r"num_nodes \(2\) is more than the 1 node\(s\) in a block of resource 'openmpi'"),
])
def test_bad_geometry_fails_at_call_time_before_submission(mpi_run, geometry, error, message):
    workflow, programs, _ = mpi_run
    submitted = len(workflow.tasks)
    with pytest.raises(error, match=r"run_hello: chiltepin_task_geometry: " + message):
        run_hello("true", executor="openmpi", chiltepin_task_geometry=geometry)
    assert len(workflow.tasks) == submitted


def test_geometry_on_a_non_mpi_resource_fails_at_call_time(mpi_run):
    workflow, _, _ = mpi_run
    submitted = len(workflow.tasks)
    with pytest.raises(ValueError, match="resource 'local' is not an MPI resource"):
        run_hello("true", executor="local", chiltepin_task_geometry={"num_ranks": 2})
    assert len(workflow.tasks) == submitted


def test_task_without_geometry_fails_instead_of_hanging(mpi_run):
    from parsl.executors.errors import InvalidResourceSpecification

    future = environment("PATH", executor="openmpi")
    with pytest.raises(InvalidResourceSpecification, match="resource 'openmpi' runs MPI tasks, which need a geometry"):
        future.result(timeout=TIMEOUT)
    raw = environment("PATH", executor="openmpi", parsl_resource_specification={"num_nodes": 1, "num_ranks": 3,
                                                                                "ranks_per_node": 2})
    with pytest.raises(InvalidResourceSpecification, match=r"num_ranks \(3\) must equal"):
        raw.result(timeout=TIMEOUT)
    too_big = environment("PATH", executor=["openmpi", "mpich"], chiltepin_task_geometry={"num_nodes": 2,
                                                                                           "ranks_per_node": 1})
    with pytest.raises(InvalidResourceSpecification, match=r"num_nodes \(2\) is more than the 1 node\(s\) in a "
                                                           r"block of resource '(openmpi|mpich)'"):
        too_big.result(timeout=TIMEOUT)
