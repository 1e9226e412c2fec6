"""Stopping a workflow process by signal, on a local HTEX resource: SIGTERM and SIGHUP stop it in
order (checkpoints written, every helper gone, status 128 + signal); after SIGKILL the watcher
ends every helper, and no task starts more than 5 s after the workflow process died."""

from __future__ import annotations

import signal

import pytest
from stopping import signal_and_wait, start_run

CONFIG = {"r": {"provider": "localhost", "max_workers_per_node": 1, "init_blocks": 1}}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_in_order(tmp_path, signum):
    run = start_run(CONFIG, tmp_path)
    try:
        code, _ = signal_and_wait(run, signum)
        assert code == 128 + signum
        assert run.leftovers(within=10) == []
        assert list(run.run_dir.glob("*/checkpoint/tasks.pkl")), "checkpoints were not written"
    finally:
        run.kill_leftovers()


def test_after_sigkill_the_watcher_ends_every_helper(tmp_path):
    run = start_run(CONFIG, tmp_path)
    try:
        code, died = signal_and_wait(run, signal.SIGKILL)
        assert code == -signal.SIGKILL
        assert run.leftovers(within=30) == []
        assert [t for t in run.task_starts() if t > died + 5] == []
    finally:
        run.kill_leftovers()
