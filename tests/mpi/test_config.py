"""MPI resources in the configuration: selection, defaults, and one clear error per mistake."""

from __future__ import annotations

import pytest
from chiltepin.config.resolve import build_executor, resolve_resource
from chiltepin.errors import ConfigError
from chiltepin.plugins import PluginManager, get_plugin_manager


def resolve(block, manager=None):
    return resolve_resource("sim", block, manager or get_plugin_manager())


def test_mpi_true_selects_the_mpi_backend_with_the_simple_launcher():
    resource = resolve({"mpi": True, "max_mpi_apps": 3})
    assert (resource.backend, resource.provider, resource.launcher) == ("mpi", "localhost", "simple")
    assert resource.get("max_mpi_apps") == 3


def test_executor_is_a_chiltepin_mpi_executor_with_parsl_settings():
    from parsl.executors import MPIExecutor

    executor = build_executor(resolve({"mpi": True, "max_mpi_apps": 2, "mpi_launcher": "mpiexec-openmpi",
                                       "heartbeat_period": 5}), get_plugin_manager())
    assert isinstance(executor, MPIExecutor)
    assert (executor.label, executor.max_workers_per_block, executor.mpi_launcher) == ("sim", 2, "mpiexec")
    assert (executor.chiltepin_launcher, executor.local_slots, executor.heartbeat_period) == ("mpiexec-openmpi", 2, 5)
    assert executor.address == "127.0.0.1"


def test_default_mpi_launcher_is_mpiexec_off_slurm_and_srun_on_slurm():
    executor = build_executor(resolve({"mpi": True}), get_plugin_manager())
    assert executor.chiltepin_launcher == "mpiexec"
    pytest.importorskip("chiltepin_slurm", reason="chiltepin-slurm provides the slurm provider")
    executor = build_executor(resolve({"mpi": True, "provider": "slurm"}), get_plugin_manager())
    assert (executor.chiltepin_launcher, executor.mpi_launcher, executor.local_slots) == ("srun", "srun", None)


def test_unknown_mpi_launcher_names_the_key_and_the_choices():
    with pytest.raises(ConfigError) as info:
        resolve({"mpi": True, "mpi_launcher": "mpiexec-openmp"})
    assert info.value.problems == [
        "sim.mpi_launcher: MPI launcher 'mpiexec-openmp' is not available (did you mean 'mpiexec-openmpi'?). "
        "Available: aprun, mpiexec, mpiexec-intel, mpiexec-mpich, mpiexec-mvapich, mpiexec-openmpi, srun."]


def test_mpi_resource_needs_the_simple_launcher():
    with pytest.raises(ConfigError, match=r"sim\.launcher: an MPI resource starts one worker pool per block, "
                                          r"which needs the 'simple' launcher; got 'single-node'"):
        resolve({"mpi": True, "launcher": "single-node"})


def test_htex_only_settings_are_unknown_on_an_mpi_resource():
    with pytest.raises(ConfigError, match=r"sim\.max_workers_per_node: unknown key"):
        resolve({"mpi": True, "max_workers_per_node": 4})


def test_bad_max_mpi_apps_value():
    with pytest.raises(ConfigError, match=r"sim\.max_mpi_apps: must be at least 1, got 0"):
        resolve({"mpi": True, "max_mpi_apps": 0})


def test_max_mpi_apps_larger_than_the_block():
    pytest.importorskip("chiltepin_slurm", reason="chiltepin-slurm provides nodes_per_block")
    assert resolve({"mpi": True, "provider": "slurm", "nodes_per_block": 3, "max_mpi_apps": 3}).get("max_mpi_apps") == 3
    with pytest.raises(ConfigError) as info:
        resolve({"mpi": True, "provider": "slurm", "nodes_per_block": 2, "max_mpi_apps": 3})
    assert info.value.problems == [
        "sim.max_mpi_apps: 3 MPI tasks cannot run at once on a block of 2 node(s) (nodes_per_block); each takes at "
        "least one node, so use at most 2"]


def test_without_chiltepin_mpi_an_mpi_resource_says_what_to_install():
    manager = PluginManager(disabled=["mpi"])
    manager.load_entrypoints()
    with pytest.raises(ConfigError, match=r"chiltepin-mpi"):
        resolve({"mpi": True}, manager)
