"""Checkpoints and the task cache, on Parsl's memoizer.

Differences from Parsl's ``BasicMemoizer``, each on purpose:

* a task's key covers its function's source code too (Parsl keys on name and module only), so
  editing a task's body makes it run again;
* checkpoints load only when asked: ``resume=True`` loads the run_dir's, ``resume="path"``
  an earlier run_dir's (Parsl loads every checkpoint of run_dir whenever checkpointing is on);
* ``cache=True`` tasks keep their results across runs in ``<run_dir>/cache/tasks.pkl``, written
  as each finishes, whatever the checkpoint_mode;
* a checkpoint file cut short (the workflow process was killed while writing it) loads up to
  its last whole record instead of failing.
"""

from __future__ import annotations

import inspect
import logging
import os
import pickle
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from parsl.dataflow.memoization import BasicMemoizer, make_hash

from .failures import REGISTRY, source_digest

logger = logging.getLogger(__name__)

CHECKPOINT_FILE = "tasks.pkl"


def checkpoint_dirs(resume: bool | str, run_dir: str) -> list[str]:
    """The checkpoint directories to load: none, every run under run_dir, or an earlier run_dir's.

    ``resume`` may name an earlier workflow's run_dir (holding numbered runs) or one run's directory.
    """
    from parsl.utils import get_all_checkpoints

    if resume is False or resume is None:
        return []
    root = run_dir if resume is True else os.path.expanduser(str(resume))
    if os.path.isdir(os.path.join(root, "checkpoint")):
        return [os.path.abspath(os.path.join(root, "checkpoint"))]
    return list(get_all_checkpoints(root))


class Memoizer(BasicMemoizer):
    """Parsl's memoizer with source-aware keys, loading on request and a cross-run task cache."""

    def __init__(self, *, cache_dir: str, checkpoint_files: Sequence[str], **kwargs: Any):
        super().__init__(checkpoint_files=list(checkpoint_files), **kwargs)
        self.cache_dir = cache_dir
        self._digests: dict[Any, str] = {}

    def start(self, *, run_dir: str, config_run_dir: str) -> None:
        super().start(run_dir=run_dir, config_run_dir=config_run_dir)
        if os.path.exists(os.path.join(self.cache_dir, CHECKPOINT_FILE)):
            self.memo_lookup_table.update(self._load_checkpoints([self.cache_dir]))

    def _key(self, task: Any) -> str:
        func = task["func"]
        digest = self._digests.get(func)
        if digest is None:
            options = REGISTRY.get(func)
            digest = self._digests[func] = source_digest(inspect.unwrap(func)) + (
                "" if options is None else options.task)
        return f"{make_hash(task)}-{digest}"

    def check_memo(self, task: Any) -> Future[Any] | None:
        if not self.memoize or not task["memoize"]:
            task["hashsum"] = None
            return None
        task["hashsum"] = self._key(task)
        return self.memo_lookup_table.get(task["hashsum"])

    def update_memo_result(self, task: Any, r: Any) -> None:
        super().update_memo_result(task, r)
        options = REGISTRY.get(task["func"])
        if options is not None and options.cache and task.get("hashsum") and not task.get("from_memo"):
            with self._checkpoint_lock:
                os.makedirs(self.cache_dir, exist_ok=True)
                with open(os.path.join(self.cache_dir, CHECKPOINT_FILE), "ab") as f:
                    pickle.dump({"hash": task["hashsum"], "exception": None, "result": r}, f)

    def _load_checkpoints(self, checkpointDirs: Sequence[str]) -> dict[str, Future[Any]]:
        table: dict[str, Future[Any]] = {}
        for directory in checkpointDirs:
            path = os.path.join(directory, CHECKPOINT_FILE)
            try:
                with open(path, "rb") as f:
                    while True:
                        try:
                            data = pickle.load(f)
                        except EOFError:
                            break
                        except (pickle.UnpicklingError, ValueError, AttributeError, ImportError) as exc:
                            logger.warning("checkpoint %s ends in a partial record (%s); loaded what "
                                           "came before it", path, exc)
                            break
                        future: Future[Any] = Future()
                        future.set_result(data["result"])
                        table[data["hash"]] = future
            except FileNotFoundError:
                continue
        return table
