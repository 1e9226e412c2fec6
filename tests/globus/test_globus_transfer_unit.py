"""The ``globus`` transfer provider against globus-sdk's own canned Transfer responses
(globus_sdk.testing + responses): request shapes, polling, timeouts, name resolution, errors.
No HTTP leaves the process: an unmocked request fails with "Connection refused by Responses"."""

from __future__ import annotations

import pytest

pytest.importorskip("chiltepin_globus", reason="chiltepin-globus is not installed (pip install -e ./chiltepin-globus)")

import json
import uuid

import globus_sdk
import responses
from chiltepin.errors import TransferError
from chiltepin_globus.transfer import GlobusTransferer
from globus_sdk.testing import RegisteredResponse, ResponseList, get_last_request, load_response

SRC = "a7e3a5c2-0000-4000-8000-000000000001"
DST = "a7e3a5c2-0000-4000-8000-000000000002"

pytestmark = pytest.mark.globus


@pytest.fixture(autouse=True)
def canned(monkeypatch):
    # globus_sdk.testing registers production URLs; make sure nothing redirects the clients
    for name in ("GLOBUS_SDK_ENVIRONMENT", "GLOBUS_SDK_SERVICE_URL_TRANSFER", "GLOBUS_SDK_SERVICE_URL_AUTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("chiltepin_globus.transfer.time.sleep", lambda seconds: None)
    responses.start()
    yield
    responses.stop()
    responses.reset()


@pytest.fixture
def transferer():
    return GlobusTransferer(lambda: globus_sdk.TransferClient(authorizer=globus_sdk.AccessTokenAuthorizer("tok")))


def _task_statuses(task_id, *statuses, **extra):
    ResponseList(*[RegisteredResponse(service="transfer", path=f"/v0.10/task/{task_id}",
                                      json={"DATA_TYPE": "task", "task_id": task_id, "status": s, **extra})
                   for s in statuses]).add()


def _search(*endpoints):
    RegisteredResponse(service="transfer", path="/v0.10/endpoint_search",
                       json={"DATA_TYPE": "endpoint_list", "has_next_page": False, "offset": 0, "limit": 100,
                             "DATA": [{"DATA_TYPE": "endpoint", "id": i, "display_name": n, "owner_string": o}
                                      for i, n, o in endpoints]}).add()


def _calls(path_part):
    return [c.request for c in responses.calls if path_part in c.request.url]


def test_transfer_by_uuid_submits_one_item_and_polls_until_done(transferer):
    load_response(globus_sdk.TransferClient.get_submission_id)
    task_id = load_response(globus_sdk.TransferClient.submit_transfer).metadata["task_id"]
    _task_statuses(task_id, "ACTIVE", "ACTIVE", "SUCCEEDED")
    assert transferer.transfer({"name": "a", "endpoint": SRC}, {"name": "b", "endpoint": DST}, "/in/x.dat",
                               "/out/x.dat", timeout=30, polling_interval=1, recursive=True, label="run 1") is True
    body = json.loads(_calls("/v0.10/transfer")[0].body)
    assert (body["source_endpoint"], body["destination_endpoint"], body["label"]) == (SRC, DST, "run 1")
    assert [(i["source_path"], i["destination_path"], i["recursive"]) for i in body["DATA"]] == \
        [("/in/x.dat", "/out/x.dat", True)]
    assert len(_calls(f"/task/{task_id}")) == 3
    assert get_last_request().headers["Authorization"] == "Bearer tok"
    assert not _calls("endpoint_search")  # UUIDs are used as given


def test_display_names_are_looked_up(transferer):
    _search((SRC, "my-dtn", "me"), (DST, "my-dtn-backup", "me"))
    assert transferer.resolve(transferer.client(), {"name": "my-dtn"}) == SRC
    assert "filter_fulltext=my-dtn" in _calls("endpoint_search")[0].url


def test_an_ambiguous_display_name_lists_the_candidates(transferer):
    _search((SRC, "scratch", "alice@uni.edu"), (DST, "scratch", "bob@lab.gov"))
    with pytest.raises(TransferError) as error:
        transferer.resolve(transferer.client(), {"name": "scratch"})
    text = str(error.value)
    assert "'scratch' is ambiguous" in text and SRC in text and DST in text and "bob@lab.gov" in text


def test_an_unknown_display_name_is_an_error_naming_it(transferer):
    _search((SRC, "scratch-2", "me"))
    with pytest.raises(TransferError, match="Globus endpoint 'scratch': no collection has this display name"):
        transferer.delete({"name": "scratch"}, "/x", timeout=5, polling_interval=1, recursive=False)


def test_a_timeout_cancels_the_globus_task(transferer):
    load_response(globus_sdk.TransferClient.get_submission_id)
    task_id = load_response(globus_sdk.TransferClient.submit_delete).metadata["task_id"]
    _task_statuses(task_id, "ACTIVE")
    RegisteredResponse(service="transfer", path=f"/v0.10/task/{task_id}/cancel", method="POST",
                       json={"DATA_TYPE": "result", "code": "Canceled", "message": "cancelled"}).add()
    with pytest.raises(TransferError) as error:
        transferer.delete({"name": "t", "endpoint": SRC}, "/tmp/old", timeout=0.2, polling_interval=0.05,
                          recursive=True)
    assert "timed out after 0.2 s" in str(error.value) and f"{task_id} was cancelled" in str(error.value)
    assert len(_calls("/cancel")) == 1
    body = json.loads(_calls("/v0.10/delete")[0].body)
    assert body["recursive"] is True and body["DATA"][0]["path"] == "/tmp/old"


def test_a_failed_task_reports_the_globus_reason(transferer):
    load_response(globus_sdk.TransferClient.get_submission_id)
    task_id = load_response(globus_sdk.TransferClient.submit_transfer).metadata["task_id"]
    _task_statuses(task_id, "ACTIVE", "FAILED",
                   fatal_error={"code": "PERMISSION_DENIED", "description": "permission denied on /out"})
    with pytest.raises(TransferError, match=f"failed \\(Globus task {task_id}\\): permission denied on /out"):
        transferer.transfer(SRC, DST, "/a", "/out/a", timeout=30, polling_interval=1, recursive=False)


def test_consent_required_tells_the_user_how_to_log_in_again(transferer):
    scope = f"https://auth.globus.org/scopes/{DST}/data_access"
    load_response(globus_sdk.TransferClient.get_submission_id)
    RegisteredResponse(service="transfer", path="/v0.10/transfer", method="POST", status=403,
                       json={"code": "ConsentRequired", "message": "Missing required data_access consent",
                             "request_id": "r1", "resource": "/transfer", "required_scopes": [scope]}).add()
    with pytest.raises(TransferError) as error:
        transferer.transfer(SRC, DST, "/a", "/b", timeout=30, polling_interval=1, recursive=False)
    assert f"chiltepin login --scope '{scope}'" in str(error.value)
    assert "err.info" not in str(error.value)


def test_submit_errors_name_the_operation(transferer):
    load_response(globus_sdk.TransferClient.get_submission_id)
    load_response(globus_sdk.TransferClient.submit_transfer, case="failure")
    with pytest.raises(TransferError, match=r"transfer .*:/a -> .*:/b: Globus Transfer error 400 .*NoTransferItems"):
        transferer.transfer(SRC, DST, "/a", "/b", timeout=30, polling_interval=1, recursive=False)


@pytest.mark.parametrize("bad", [0, -1])
def test_non_positive_waits_are_refused_before_anything_is_submitted(transferer, bad):
    with pytest.raises(ValueError, match="must be positive"):
        transferer.transfer(SRC, DST, "/a", "/b", timeout=bad, polling_interval=1, recursive=False)
    with pytest.raises(ValueError, match="must be positive"):
        transferer.delete(SRC, "/a", timeout=10, polling_interval=bad, recursive=False)
    assert not responses.calls


def test_uuid_references_are_not_searched_whatever_their_case(transferer):
    upper = str(uuid.uuid4()).upper()
    assert transferer.resolve(transferer.client(), upper) == upper.lower()
    assert not responses.calls
