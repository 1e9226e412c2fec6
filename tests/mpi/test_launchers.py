"""The $PARSL_MPI_PREFIX each MPI launcher gives for a geometry (the table in docs/providers/mpi.rst),
and, for all geometries, that the prefix asks its launcher for exactly that geometry."""

from __future__ import annotations

import argparse
import shlex

import pytest
from chiltepin.plugins import get_plugin_manager
from chiltepin_mpi.geometry import TaskGeometry
from chiltepin_mpi.launchers import with_command
from chiltepin_mpi.worker import task_environment
from hypothesis import given, settings
from hypothesis import strategies as st

TWO_BY_FOUR = TaskGeometry(num_nodes=2, ranks_per_node=4).as_spec()
THREADED = TaskGeometry(num_nodes=2, ranks_per_node=2, threads_per_rank=3, launcher_options="-v").as_spec()
NODES = ["n1", "n2"]


def prefix(launcher, spec, nodes=NODES):
    return get_plugin_manager().lookup("mpi_launchers", launcher).prefix(spec, nodes)


@pytest.mark.parametrize("launcher, spec, expected", [
    ("srun", TWO_BY_FOUR, "srun --ntasks 8 --ntasks-per-node 4 --nodes 2 --nodelist n1,n2"),
    ("srun", THREADED, "srun --ntasks 4 --ntasks-per-node 2 --nodes 2 --nodelist n1,n2 --cpus-per-task 3 -v"),
    ("mpiexec-mpich", TWO_BY_FOUR, "mpiexec -n 8 -ppn 4 -hosts n1,n2"),
    ("mpiexec-mpich", THREADED, "mpiexec -n 4 -ppn 2 -hosts n1,n2 -v"),
    ("mpiexec-intel", TWO_BY_FOUR, "mpiexec -n 8 -ppn 4 -hosts n1,n2"),
    ("mpiexec-mvapich", THREADED, "mpiexec -n 4 -ppn 2 -hosts n1,n2 -v"),
    ("mpiexec-openmpi", TWO_BY_FOUR, "mpiexec -n 8 --map-by ppr:4:node --host n1:4,n2:4 --oversubscribe"),
    ("mpiexec-openmpi", THREADED,
     "mpiexec -n 4 --map-by ppr:2:node --host n1:2,n2:2 --oversubscribe -x OMP_NUM_THREADS -v"),
    ("aprun", TWO_BY_FOUR, "aprun -n 8 -N 4 -node-list n1,n2"),
    ("aprun", THREADED, "aprun -n 4 -N 2 -node-list n1,n2 -d 3 -v"),
])
def test_documented_prefixes(launcher, spec, expected):
    assert prefix(launcher, spec) == expected


def test_task_environment_sets_threads_and_replaces_the_program():
    env = task_environment("mpiexec-mpich", THREADED, NODES, command="mpiexec.mpich")
    assert env == {"PARSL_MPI_PREFIX": "mpiexec.mpich -n 4 -ppn 2 -hosts n1,n2 -v", "OMP_NUM_THREADS": "3"}
    assert task_environment("srun", TWO_BY_FOUR, NODES) == {"PARSL_MPI_PREFIX": prefix("srun", TWO_BY_FOUR)}


def test_with_command_quotes_a_path_with_spaces():
    assert with_command("mpiexec -n 2", "/opt/my mpi/bin/mpirun") == "'/opt/my mpi/bin/mpirun' -n 2"
    assert with_command("mpiexec -n 2", None) == "mpiexec -n 2"


def test_unknown_launcher_in_a_task_environment_names_the_choices():
    with pytest.raises(Exception, match="MPI launcher 'mpirun' is not available.*Available: aprun, mpiexec"):
        task_environment("mpirun", TWO_BY_FOUR, NODES)


def _parser(*flags):
    parser = argparse.ArgumentParser(add_help=False, prefix_chars="-")
    for flag in flags:
        parser.add_argument(flag)
    return parser


@st.composite
def placed(draw):
    nodes, per_node = draw(st.integers(1, 16)), draw(st.integers(1, 128))
    spec = TaskGeometry(num_nodes=nodes, ranks_per_node=per_node,
                        threads_per_rank=draw(st.none() | st.integers(1, 8))).as_spec()
    hosts = draw(st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True), min_size=nodes, max_size=nodes,
                          unique=True))
    return spec, hosts


def _placement(launcher, words):
    """(program, ranks, ranks per node, hosts, threads) that a prefix asks its launcher for, read back
    with each launcher's own option syntax."""
    program, rest = words[0], words[1:]
    if launcher == "srun":
        args = _parser("--ntasks", "--ntasks-per-node", "--nodes", "--nodelist", "--cpus-per-task").parse_args(rest)
        assert int(args.nodes) == len(args.nodelist.split(","))
        return program, int(args.ntasks), int(args.ntasks_per_node), args.nodelist.split(","), args.cpus_per_task
    if launcher == "aprun":
        args = _parser("-n", "-N", "-node-list", "-d").parse_args(rest)
        return program, int(args.n), int(args.N), args.node_list.split(","), args.d
    if launcher == "mpiexec-openmpi":
        parser = _parser("-n", "--map-by", "--host", "-x")
        parser.add_argument("--oversubscribe", action="store_true")
        args = parser.parse_args(rest)
        assert args.oversubscribe
        slots = [entry.rsplit(":", 1) for entry in args.host.split(",")]
        per_node = {int(n) for _, n in slots}
        assert len(per_node) == 1 and args.map_by == f"ppr:{per_node.pop()}:node"
        assert sum(int(n) for _, n in slots) == int(args.n)
        threads = "forwarded" if args.x == "OMP_NUM_THREADS" else None
        return program, int(args.n), int(slots[0][1]), [h for h, _ in slots], threads
    args = _parser("-n", "-ppn", "-hosts").parse_args(rest)  # Hydra: MPICH, Intel MPI, MVAPICH
    return program, int(args.n), int(args.ppn), args.hosts.split(","), "environment"


#: Every MPI launcher that renders a fixed syntax (``mpiexec`` picks one of these on the worker).
FLAVOURS = sorted(n for n in get_plugin_manager().records("mpi_launchers") if n != "mpiexec")


@pytest.mark.parametrize("launcher", FLAVOURS)
@settings(deadline=None, max_examples=60)
@given(case=placed())
def test_every_prefix_asks_for_exactly_the_geometry(launcher, case):
    spec, hosts = case
    program, ranks, per_node, placed_on, threads = _placement(launcher, shlex.split(prefix(launcher, spec, hosts)))
    assert program == ("mpiexec" if launcher.startswith("mpiexec") else launcher)
    assert (ranks, per_node, placed_on) == (spec["num_ranks"], spec["ranks_per_node"], hosts)
    assert ranks == per_node * len(placed_on)
    if "threads_per_rank" not in spec:
        assert threads in (None, "environment")
    elif launcher in ("srun", "aprun"):
        assert threads == str(spec["threads_per_rank"])


def _environment_snapshot():
    import os

    return {k: os.environ.get(k) for k in ("PARSL_MPI_PREFIX", "OMP_NUM_THREADS", "OMPI_MCA_orte_tmpdir_base")}


def test_worker_execute_sets_the_environment_for_the_task_only(monkeypatch, tmp_path):
    """chiltepin_mpi.worker.execute, as a Parsl worker calls it, in this process."""
    import os

    from chiltepin_mpi.worker import execute
    from parsl.serialize import pack_apply_message

    monkeypatch.setenv("PARSL_MPI_NODELIST", "n1,n2")
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.setenv("OMPI_MCA_orte_tmpdir_base", str(tmp_path))
    monkeypatch.delenv("PARSL_MPI_PREFIX", raising=False)
    before = _environment_snapshot()
    buffer = pack_apply_message(_environment_snapshot, (), {})
    seen = execute(buffer, launcher="mpiexec-openmpi", spec=THREADED, command="mpiexec.openmpi")
    assert seen["PARSL_MPI_PREFIX"] == "mpiexec.openmpi " + prefix("mpiexec-openmpi", THREADED).split(" ", 1)[1]
    assert seen["OMP_NUM_THREADS"] == "3"
    assert os.path.dirname(seen["OMPI_MCA_orte_tmpdir_base"]) == str(tmp_path)
    assert not os.path.exists(seen["OMPI_MCA_orte_tmpdir_base"])
    assert _environment_snapshot() == before
