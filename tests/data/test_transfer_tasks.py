"""transfer_task / delete_task in a running workflow: real workers, real files, dependencies by futures."""

from __future__ import annotations

import pytest
from chiltepin import Workflow
from chiltepin.data import delete, delete_task, transfer, transfer_task
from chiltepin.errors import TransferError
from chiltepin.tasks import python_task


@python_task
def count_bytes(transferred, path):
    with open(path, "rb") as f:
        return transferred, len(f.read())


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    base = tmp_path_factory.mktemp("endpoints")
    (base / "scratch").mkdir()
    (base / "project").mkdir()
    config = {
        "local": {"provider": "localhost", "init_blocks": 1, "max_blocks": 1, "max_workers_per_node": 2},
        "transfer_endpoints": {"scratch": {"provider": "local", "path": str(base / "scratch")},
                               "project": {"provider": "local", "path": str(base / "project"),
                                           "verify_checksum": True}},
    }
    with Workflow(config, run_dir=str(base / "runinfo")) as wf:
        yield wf, base


def test_transfer_then_process_then_delete(workflow):
    wf, base = workflow
    (base / "scratch" / "input.dat").write_bytes(b"x" * 12345)
    moved = transfer_task("scratch", "project", "/input.dat", "/staged/input.dat", executor=["local"])
    processed = count_bytes(moved, str(base / "project" / "staged" / "input.dat"), executor=["local"])
    cleanup = delete_task("project", "/staged", recursive=True, executor=["local"], inputs=[processed])
    assert cleanup.result(timeout=120) is True
    assert processed.result() == (True, 12345)
    assert not (base / "project" / "staged").exists()


def test_recursive_transfer_task(workflow):
    wf, base = workflow
    (base / "scratch" / "run" / "sub").mkdir(parents=True)
    (base / "scratch" / "run" / "sub" / "a").write_text("a")
    assert transfer_task("scratch", "project", "run", "run-copy", recursive=True).result(timeout=120) is True
    assert (base / "project" / "run-copy" / "sub" / "a").read_text() == "a"


def test_failure_on_the_worker_reaches_the_future(workflow):
    future = transfer_task("scratch", "project", "no/such/file", "x", executor="local")
    with pytest.raises(TransferError, match=r"source .*no/such/file does not exist on endpoint 'scratch'"):
        future.result(timeout=120)


def test_endpoints_are_resolved_before_submission(workflow, chiltepin_plugin_manager):
    """With core's built-ins only, nothing resolves undeclared names: the typo fails at the call."""
    wf, _ = workflow
    before = len(wf.tasks)
    with pytest.raises(TransferError, match=r"endpoint 'projct': no transfer provider serves it.* \(did you mean "
                                            r"'project'\?\)"):
        transfer_task("scratch", "projct", "a", "b", provider=None)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        delete_task("project", "a", timeout=0)
    assert len(wf.tasks) == before


def test_synchronous_forms_use_the_running_workflows_endpoints(workflow):
    _, base = workflow
    (base / "scratch" / "sync.txt").write_text("now")
    assert transfer("scratch", "project", "sync.txt", "sync/copy.txt") is True
    assert (base / "project" / "sync" / "copy.txt").read_text() == "now"
    assert delete("project", "sync", recursive=True) is True
    assert not (base / "project" / "sync").exists()
