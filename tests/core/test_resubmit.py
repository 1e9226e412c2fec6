"""Tasks ended with their block are resubmitted without using up ``retries`` (chiltepin._resubmit).

The real end of a Slurm block is tested in tests/slurm/test_walltime_blocks.py. Here real local
workers run bash tasks that the first time end themselves the way a scheduler ends them
(SIGTERM to their own shell), the narrowest stand-in for a block ending under them.
"""

from __future__ import annotations

import pytest
from chiltepin import Workflow
from chiltepin._resubmit import FREE_RESUBMITS, LostBlockRetries, lost_with_its_block
from chiltepin.tasks import bash_task
from parsl.app.errors import BashExitFailure
from parsl.executors.high_throughput.errors import ManagerLost, WorkerLost


@bash_task
def killed_first(log, kills):
    """Log a start; the first ``kills`` runs are ended by SIGTERM, then it succeeds."""
    return (f"echo start >> {log}; [ $(wc -l < {log}) -le {kills} ] && kill -TERM $$; "
            f"echo end >> {log}")


@bash_task
def fails(log):
    return f"echo start >> {log}; exit 3"


@pytest.mark.parametrize("exception, lost", [
    (ManagerLost(b"abc", "n1"), True), (WorkerLost(3, "n1"), True),
    (BashExitFailure("t", -15), True), (BashExitFailure("t", 137), True), (BashExitFailure("t", 143), True),
    (BashExitFailure("t", 1), False), (BashExitFailure("t", -11), False), (ValueError("x"), False),
])
def test_what_counts_as_lost_with_the_block(exception, lost):
    assert lost_with_its_block(exception) is lost


def test_losses_are_free_a_bounded_number_of_times_per_task():
    handler = LostBlockRetries()
    record = {"id": 7, "func_name": "t"}
    costs = [handler(ManagerLost(b"m", "n1"), record) for _ in range(FREE_RESUBMITS + 1)]
    assert costs == [0] * FREE_RESUBMITS + [1]
    assert handler(ManagerLost(b"m", "n1"), {"id": 8, "func_name": "t"}) == 0
    assert handler(BashExitFailure("t", 2), {"id": 9, "func_name": "t"}) == 1


def test_a_task_ended_by_sigterm_is_resubmitted_but_a_failing_one_is_not(tmp_path):
    with Workflow({"compute": {"init_blocks": 1, "max_workers_per_node": 1}}, run_dir=str(tmp_path / "runinfo")):
        assert killed_first(str(tmp_path / "killed"), FREE_RESUBMITS, executor="compute").result(timeout=120) == 0
        too_often = killed_first(str(tmp_path / "always"), FREE_RESUBMITS + 5, executor="compute")
        with pytest.raises(BashExitFailure):
            too_often.result(timeout=120)
        with pytest.raises(BashExitFailure):
            fails(str(tmp_path / "fails"), executor="compute").result(timeout=120)
    assert (tmp_path / "killed").read_text() == "start\n" * (FREE_RESUBMITS + 1) + "end\n"
    assert (tmp_path / "always").read_text() == "start\n" * (FREE_RESUBMITS + 1)
    assert (tmp_path / "fails").read_text() == "start\n"
