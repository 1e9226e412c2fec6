"""``available_accelerators`` on htex resources: one real worker per accelerator, each pinned to its
device through the variables Parsl sets (CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES,
ZE_AFFINITY_MASK). No GPU is needed: the tasks read the variables. Misuse is a ConfigError."""

from __future__ import annotations

import pytest
from chiltepin import Workflow
from chiltepin.config.resolve import resolve_resource
from chiltepin.errors import ConfigError
from chiltepin.plugins import get_plugin_manager
from chiltepin.tasks import python_task

VARIABLES = ("CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "ZE_AFFINITY_MASK")


@python_task
def pinned_devices(me, others, timeout=120):
    """The worker's device variables, read once every task of the batch has started (so each
    task holds its own worker)."""
    import os
    import pathlib
    import time

    pathlib.Path(me).touch()
    deadline = time.monotonic() + timeout
    while not all(os.path.exists(o) for o in others):
        if time.monotonic() > deadline:
            raise RuntimeError("the other tasks never started")
        time.sleep(0.05)
    return os.getpid(), tuple(os.environ.get(v) for v in VARIABLES)


def run_batch(resource, count, where):
    marks = [str(where / f"started.{i}") for i in range(count)]
    futures = [pinned_devices(m, [o for o in marks if o != m], executor=resource) for m in marks]
    return [f.result(timeout=180) for f in futures]


@pytest.mark.parametrize("accelerators, devices", [(2, ["0", "1"]), (["3", "7", "9"], ["3", "7", "9"])])
def test_one_worker_per_accelerator_each_pinned_to_its_device(accelerators, devices, tmp_path):
    """cores_per_worker 0.5: on a 2-core machine room for 4 workers, so the accelerators decide."""
    config = {"gpu": {"available_accelerators": accelerators, "cores_per_worker": 0.5, "max_blocks": 1}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")) as workflow:
        assert workflow.executors["gpu"].available_accelerators == devices
        seen = run_batch("gpu", len(devices), tmp_path)
    assert len({pid for pid, _ in seen}) == len(devices), "each task ran on a worker of its own"
    assert sorted(pinned[0] for _, pinned in seen) == sorted(devices)
    assert all(len(set(pinned)) == 1 for _, pinned in seen), "CUDA, ROCm and oneAPI name the same device"


@pytest.mark.parametrize("block, message", [
    ({"mpi": True, "available_accelerators": 2}, "res.available_accelerators: unknown key .* executor 'htex'"),
    ({"executor": "threads", "available_accelerators": 2},
     r"res.available_accelerators: unknown key for executor 'threads' \(it is a setting of executor 'htex'\)"),
    ({"available_accelerators": -1}, "res.available_accelerators"),
])
def test_accelerators_off_htex_or_malformed_name_the_key(block, message):
    with pytest.raises(ConfigError, match=message):
        resolve_resource("res", block, get_plugin_manager())
