"""Globus Transfer end to end: the real globus-sdk TransferClient and chiltepin's provider,
through ``chiltepin.data``, against the loopback Transfer/Auth stand-in
(globus_transfer_service.py), whose collections are directories where files really get copied
and deleted. The task forms run on real Parsl workers, which read the stored tokens themselves."""

from __future__ import annotations

import pytest

pytest.importorskip("chiltepin_globus", reason="chiltepin-globus is not installed (pip install -e ./chiltepin-globus)")

from chiltepin import Workflow
from chiltepin.data import delete, delete_task, transfer, transfer_task
from chiltepin.errors import ConfigError, TransferError
from chiltepin.tasks import python_task
from chiltepin_globus.auth import GlobusAuthError

pytestmark = pytest.mark.globus


@pytest.fixture
def collections(transfer_service, stored_tokens, tmp_path):
    """Two collections with distinct display names, as on a laptop and an HPC scratch space."""
    laptop = transfer_service.add_collection(f"laptop-{tmp_path.name}", tmp_path / "laptop")
    scratch = transfer_service.add_collection(f"hpc-scratch-{tmp_path.name}", tmp_path / "scratch")
    return laptop, scratch


@python_task
def process_file(transfer_complete, input_path):
    with open(input_path) as f:
        data = f.read()
    return len(data)


def test_the_tasks_chapter_example_runs_as_written(transfer_service, stored_tokens, tmp_path):
    """The tasks chapter's "Data Transfer Between Endpoints" example, with its endpoint names,
    paths and calls (default timeout and polling). Only the path the processing task opens is
    the local directory behind the destination collection's /scratch/input.dat."""
    source = transfer_service.add_collection("my-source-endpoint", tmp_path / "source")
    dest = transfer_service.add_collection("my-dest-endpoint", tmp_path / "dest")
    (source.root / "data").mkdir()
    (source.root / "data" / "input.dat").write_text("seed data\n")
    with Workflow({"compute": {"provider": "localhost"}}, run_dir=str(tmp_path / "runinfo")):
        transfer = transfer_task(
            src_ep="my-source-endpoint",
            dst_ep="my-dest-endpoint",
            src_path="/data/input.dat",
            dst_path="/scratch/input.dat",
            executor=["local"]
        )
        result = process_file(transfer, str(dest.root / "scratch" / "input.dat"), executor=["compute"])
        cleanup = delete_task(
            src_ep="my-dest-endpoint",
            src_path="/scratch/input.dat",
            executor=["local"],
            inputs=[result]
        )
        cleanup.result()
        assert transfer.result() is True and result.result() == len("seed data\n")
    assert not (dest.root / "scratch" / "input.dat").exists()


@python_task
def count_bytes(path):
    with open(path) as stream:
        return len(stream.read())


def test_a_workflow_stages_in_processes_and_deletes(collections, tmp_path):
    laptop, scratch = collections
    (laptop.root / "data").mkdir()
    (laptop.root / "data" / "input.dat").write_text("x" * 1234)
    with Workflow(None, run_dir=str(tmp_path / "runinfo")):
        stage = transfer_task(laptop.display_name, scratch.display_name, "/data/input.dat", "/work/input.dat",
                              timeout=60, polling_interval=1, executor=["local"])
        size = count_bytes(str(scratch.root / "work" / "input.dat"), executor=["local"], inputs=[stage])
        cleanup = delete_task(scratch.display_name, "/work/input.dat", timeout=60, polling_interval=1,
                              executor=["local"], inputs=[size])
        assert stage.result(60) is True
        assert size.result(60) == 1234
        assert cleanup.result(60) is True
    assert not (scratch.root / "work" / "input.dat").exists()
    assert (laptop.root / "data" / "input.dat").exists()


def test_recursive_copy_and_delete_by_uuid(collections, transfer_service):
    laptop, scratch = collections
    tree = laptop.root / "run1"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a")
    (tree / "sub" / "b.txt").write_text("b")
    assert transfer(laptop.id, scratch.id, "/run1", "/copy", timeout=30, polling_interval=1, recursive=True)
    assert (scratch.root / "copy" / "sub" / "b.txt").read_text() == "b"
    with pytest.raises(TransferError, match="is a directory; recursive not set"):
        delete(scratch.id, "/copy", timeout=30, polling_interval=1)
    assert delete(scratch.id, "/copy", timeout=30, polling_interval=1, recursive=True)
    assert not (scratch.root / "copy").exists()


def test_a_missing_source_fails_with_the_service_reason(collections):
    laptop, scratch = collections
    with pytest.raises(TransferError, match=r"/nope\.dat not found on laptop-"):
        transfer(laptop.display_name, scratch.display_name, "/nope.dat", "/x.dat", timeout=30, polling_interval=1)


def test_unknown_endpoints_are_named(collections):
    laptop, _ = collections
    with pytest.raises(TransferError, match="Globus endpoint 'no-such-dtn': no collection has this display name"):
        transfer(laptop.display_name, "no-such-dtn", "/a", "/b", timeout=30, polling_interval=1)
    ghost = "9d6d994a-6d6f-4a3b-9a53-000000000000"
    with pytest.raises(TransferError, match=f"EndpointNotFound: No such endpoint '{ghost}'"):
        transfer(laptop.id, ghost, "/a", "/b", timeout=30, polling_interval=1)


def test_an_ambiguous_display_name_lists_both_collections(collections, transfer_service, tmp_path):
    laptop, _ = collections
    one = transfer_service.add_collection(f"shared-{tmp_path.name}", tmp_path / "one")
    two = transfer_service.add_collection(f"shared-{tmp_path.name}", tmp_path / "two")
    with pytest.raises(TransferError) as error:
        transfer(laptop.display_name, one.display_name, "/a", "/b", timeout=30, polling_interval=1)
    assert "ambiguous" in str(error.value) and one.id in str(error.value) and two.id in str(error.value)


def test_a_stalled_transfer_times_out_and_is_cancelled(collections, transfer_service, tmp_path):
    laptop, _ = collections
    (laptop.root / "big.dat").write_text("x")
    slow = transfer_service.add_collection(f"tape-{tmp_path.name}", tmp_path / "tape", stalled=True)
    with pytest.raises(TransferError, match=r"timed out after 1 s; the Globus task (\S+) was cancelled"):
        transfer(laptop.display_name, slow.display_name, "/big.dat", "/big.dat", timeout=1, polling_interval=1)
    cancelled = [t for t in transfer_service.tasks.values() if t.document.get("destination_endpoint") == slow.id]
    assert len(cancelled) == 1 and cancelled[0].cancelled.is_set()


def test_consent_required_says_how_to_grant_it(collections, transfer_service, tmp_path):
    laptop, _ = collections
    guarded = transfer_service.add_collection(f"guarded-{tmp_path.name}", tmp_path / "guarded", needs_consent=True)
    with pytest.raises(TransferError) as error:
        transfer(laptop.display_name, guarded.display_name, "/a", "/b", timeout=30, polling_interval=1)
    assert f"chiltepin login --scope 'https://auth.globus.org/scopes/{guarded.id}/data_access'" in str(error.value)


def test_without_tokens_the_error_says_to_run_chiltepin_login(globus_env, transfer_service, tmp_path):
    one = transfer_service.add_collection(f"a-{tmp_path.name}", tmp_path / "a")
    with pytest.raises(GlobusAuthError, match="Run `chiltepin login`"):
        transfer(one.id, one.id, "/a", "/b", timeout=30, polling_interval=1)
    assert not globus_env.exists()


@pytest.mark.parametrize("damage", ["directory", "garbage"])
def test_unreadable_token_storage_is_named(globus_env, damage):
    globus_env.parent.mkdir(parents=True, exist_ok=True)
    if damage == "directory":
        globus_env.mkdir()
    else:
        globus_env.write_text("{not json")
    with pytest.raises(GlobusAuthError, match=f"Globus token file {globus_env}.*`chiltepin login`"):
        delete("9d6d994a-6d6f-4a3b-9a53-000000000001", "/x", timeout=30, polling_interval=1, provider="globus")


def test_revoked_tokens_ask_for_a_new_login(collections, transfer_service, stored_tokens):
    """The access token is refused (401), the SDK tries the refresh token, Auth refuses it too."""
    laptop, scratch = collections
    transfer_service.valid_tokens.discard(stored_tokens["transfer.api.globus.org"])
    with pytest.raises(TransferError, match="refused to renew the stored credentials.*Run `chiltepin login`"):
        transfer(laptop.id, scratch.id, "/a", "/b", timeout=30, polling_interval=1)
    assert ("POST", "/v2/oauth2/token") in transfer_service.requests


def test_a_transfer_task_without_tokens_fails_on_the_worker_without_prompting(globus_env, transfer_service, tmp_path):
    one = transfer_service.add_collection(f"w-{tmp_path.name}", tmp_path / "w")
    seen = len(transfer_service.requests)
    with Workflow(None, run_dir=str(tmp_path / "runinfo"), retries=0):
        future = transfer_task(one.id, one.id, "/a", "/b", timeout=30, polling_interval=1, executor=["local"])
        with pytest.raises(GlobusAuthError, match="no valid Globus tokens.*Run `chiltepin login`"):
            future.result(60)
    assert not [r for r in transfer_service.requests[seen:] if r[1].startswith("/v0.10/")]


def test_a_declared_endpoint_maps_a_short_name_to_a_collection(collections):
    laptop, scratch = collections
    (laptop.root / "f.txt").write_text("f")
    config = {"transfer_endpoints": {"scratch": {"provider": "globus", "endpoint": scratch.display_name}}}
    assert transfer(laptop.display_name, "scratch", "/f.txt", "/g.txt", timeout=30, polling_interval=1,
                    config=config)
    assert (scratch.root / "g.txt").read_text() == "f"
    bad = {"transfer_endpoints": {"scratch": {"provider": "globus", "endpont": "x"}}}
    with pytest.raises(ConfigError, match=r"transfer_endpoints\.scratch\.endpont: unknown endpoint setting .*"
                                          r"'globus'.*did you mean 'endpoint'"):
        transfer(laptop.display_name, "scratch", "/f.txt", "/g.txt", config=bad)
