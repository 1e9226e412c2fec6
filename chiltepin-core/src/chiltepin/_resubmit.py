"""Tasks that lose their block are run again without using up the workflow's ``retries``.

Blocks drain before their walltime (see the batch providers' ``drain_margin``), so a task
should rarely still run when its block ends; when one does, the scheduler's SIGTERM/SIGKILL
ends it and Parsl reports one of: ``ManagerLost`` (the block's worker pool vanished),
``WorkerLost`` (the worker process was killed), or, for a bash task, ``BashExitFailure`` with
the exit status of a process killed by SIGTERM or SIGKILL. Such a task is resubmitted, to a
block that replaces the lost one, up to :data:`FREE_RESUBMITS` times; beyond that, and for
every other failure, the usual ``retries`` apply.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

logger = logging.getLogger(__name__)

#: Times a task may be resubmitted after losing its block before a loss counts as a failure.
FREE_RESUBMITS = 2

#: Exit statuses of a process ended by SIGTERM or SIGKILL: negative from Python, 128+N from a shell.
KILLED = {status for number in (signal.SIGTERM, signal.SIGKILL) for status in (-number, 128 + number)}


def lost_with_its_block(exception: BaseException) -> bool:
    """Whether a task failure is what a block ending under the task looks like."""
    from parsl.app.errors import BashExitFailure
    from parsl.executors.high_throughput.errors import ManagerLost, WorkerLost

    if isinstance(exception, (ManagerLost, WorkerLost)):
        return True
    return isinstance(exception, BashExitFailure) and exception.exitcode in KILLED


class LostBlockRetries:
    """Parsl ``retry_handler``: cost 0 for a task's first losses of its block, else 1 (Parsl's own)."""

    def __init__(self) -> None:
        self.losses: dict[int, int] = {}

    def __call__(self, exception: BaseException, task_record: Any) -> float:
        if not lost_with_its_block(exception):
            return 1
        task_id = task_record["id"]
        self.losses[task_id] = self.losses.get(task_id, 0) + 1
        if self.losses[task_id] > FREE_RESUBMITS:
            return 1
        logger.warning("task %s (%s) was ended with its block (%s); resubmitting it", task_id,
                       task_record["func_name"], exception)
        return 0
