"""`import chiltepin` stays light: no Parsl, no plugin, no Globus or MPI code until first use (the
patterns and the pool executor included)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import chiltepin
from chiltepin.tasks import python_task, bash_task, join_task
from chiltepin import Graph, parallel, pipeline, ContainerTask, active_workflow
from chiltepin.concurrent import PoolExecutor
@python_task
def f(x):
    return x
from chiltepin.plugins import manager
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                      ("parsl", "globus_sdk", "globus_compute_sdk", "chiltepin_mpi", "chiltepin_globus",
                       "chiltepin_slurm", "mpi4py")),
    "manager_loaded": manager._manager is not None,
}))
"""


def test_import_loads_no_plugin_and_no_remote_code():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert report == {"modules": [], "manager_loaded": False}
