"""scripts/slurm/cluster-up.sh and cluster-down.sh: a second start is refused while the daemons
run, and stopping leaves no daemon of the cluster alive."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slurm

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "slurm"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"


def test_start_refuses_a_running_cluster_and_stop_ends_every_daemon(tmp_path):
    if shutil.which("slurmctld") is None:
        pytest.skip("Slurm is not installed; run scripts/install-system-deps.sh")
    up = subprocess.run([str(SCRIPTS / "cluster-up.sh"), str(tmp_path), "2", "2"], capture_output=True, text=True,
                        timeout=60)
    pids: list[int] = []
    try:
        assert up.returncode == 0, up.stderr
        assert up.stdout.strip() == f"export SLURM_CONF={tmp_path}/etc/slurm.conf"
        pids = [int(p.read_text()) for p in sorted((tmp_path / "run").glob("*.pid"))]
        assert len(pids) == 3 and all(alive(pid) for pid in pids)
        env = {**os.environ, "SLURM_CONF": str(tmp_path / "etc" / "slurm.conf")}
        nodes = subprocess.run(["sinfo", "-h", "-N", "-o", "%N %T"], capture_output=True, text=True, env=env,
                               timeout=30).stdout.split("\n")
        assert sorted(line for line in nodes if line) == ["n1 idle", "n2 idle"]
        again = subprocess.run([str(SCRIPTS / "cluster-up.sh"), str(tmp_path), "2", "2"], capture_output=True,
                               text=True, timeout=60)
        assert again.returncode != 0 and "still running" in again.stderr
    finally:
        subprocess.run([str(SCRIPTS / "cluster-down.sh"), str(tmp_path)], timeout=60)
    assert pids and not any(alive(pid) for pid in pids)
    assert list((tmp_path / "run").glob("*.pid")) == []
