"""MPI tests may share one workflow across a module (see test_run.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_workflow_left_running():
    """As the suite-wide rule, except that a module may share one workflow across its tests
    (marked ``shared_by_module``); the module's fixture cleans it up."""
    yield
    from chiltepin.workflow import active_workflow

    workflow = active_workflow()
    if workflow is not None and not getattr(workflow, "shared_by_module", False):
        workflow.cleanup()
        pytest.fail("the test left a workflow running")
