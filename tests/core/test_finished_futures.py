"""Finished task futures keep what users read (result, exception, id, outputs, stdout/stderr) and
let go of the task's function, arguments and Parsl bookkeeping. Real Parsl, threads and HTEX."""

from __future__ import annotations

import gc
import time
import weakref
from concurrent.futures import as_completed, wait

import pytest
from chiltepin import Workflow
from chiltepin._task_memory import KEPT, OUTPUT_FILES, FinishedRecord
from chiltepin.tasks import bash_task, python_task
from hypothesis import given
from hypothesis import strategies as st

CONFIG = {"local": {"max_workers_per_node": 1, "init_blocks": 1}, "threads": {"executor": "threads"}}


class Payload:
    """An argument whose lifetime a weak reference can watch."""


@python_task
def size(payload, scale=1):
    return scale


@python_task
def fail():
    raise KeyError("no such station")


@bash_task
def echo(stdout=None, stderr=None):
    return "echo hello"


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    with Workflow(CONFIG, run_dir=str(tmp_path_factory.mktemp("run"))) as wf:
        yield wf


def _released(watch: weakref.ref, timeout: float = 30.0) -> bool:
    """Whether the watched object is freed (Parsl's result thread may still be finishing the
    task's bookkeeping, holding its record, right after the result arrived)."""
    deadline = time.monotonic() + timeout
    while watch() is not None and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.05)
    return watch() is None


@pytest.mark.parametrize("resource", ["threads", "local"])
def test_a_finished_future_no_longer_holds_its_arguments(workflow, resource):
    payload = Payload()
    watch = weakref.ref(payload)
    future = size(payload, scale=3, executor=resource)
    assert future.result() == 3
    del payload
    # HTEX's result thread holds the last task it finished (one per executor) until the next.
    assert size(None, executor=resource).result() == 1
    assert _released(watch)
    assert "func" not in future.task_record and "args" not in future.task_record
    assert future.tid == future.task_record["id"] and future.task_status() == "exec_done"


def test_what_users_read_is_kept(workflow, tmp_path):
    out, err = str(tmp_path / "echo.out"), str(tmp_path / "echo.err")
    future = echo(stdout=out, stderr=err, executor="local")
    assert future.result() == 0
    assert (future.stdout, future.stderr, future.outputs) == (out, err, [])
    assert open(out).read() == "hello\n"
    failed = fail(executor="threads")
    with pytest.raises(KeyError, match="no such station"):
        failed.result()
    assert isinstance(failed.exception(), KeyError)


def test_dependencies_and_waiting_still_work_on_finished_futures(workflow):
    first = size(Payload(), scale=2, executor="threads")
    first.result()
    second = size(first, scale=5, executor="threads")  # depends on a finished future
    assert second.result() == 5
    done, _ = wait([first, second], timeout=30)
    assert done == {first, second}
    assert {f.result() for f in as_completed([first, second], timeout=30)} == {2, 5}
    called = []
    first.add_done_callback(called.append)
    assert called == [first]
    assert not first._done_callbacks


FIELDS = st.sampled_from([*KEPT, "func", "args", "try_id"])
KWARGS = st.dictionaries(st.sampled_from([*OUTPUT_FILES, "inputs", "scale"]), st.text(max_size=5))


@given(st.dictionaries(FIELDS, st.integers()), st.none() | KWARGS)
def test_a_finished_record_reads_as_the_fields_users_read(record, kwargs):
    if kwargs is not None:
        record["kwargs"] = kwargs
    kept = FinishedRecord(record)
    files = {k: v for k, v in (kwargs or {}).items() if k in OUTPUT_FILES}
    expected = {**{k: v for k, v in record.items() if k in KEPT}, "kwargs": files}
    assert kept == expected and dict(kept) == expected and len(kept) == len(expected)
    for key in ("func", "args", "try_id", *KEPT):
        assert (key in kept) == (key in expected)
        assert kept.get(key, "absent") == expected.get(key, "absent")
    with pytest.raises(KeyError):
        kept["func"]
    assert not hasattr(kept, "__dict__")
