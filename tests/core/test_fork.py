"""A forked child does not inherit the running workflow: it may start its own."""

from __future__ import annotations

import os

from chiltepin import Workflow
from chiltepin.workflow import active_workflow


def test_forked_child_has_no_running_workflow(tmp_path):
    with Workflow(None, run_dir=str(tmp_path / "parent")):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report whether it sees a workflow, then leave without cleanup
            os.close(read)
            os.write(write, b"none" if active_workflow() is None else b"inherited")
            os._exit(0)
        os.close(write)
        seen = os.read(read, 16)
        os.close(read)
        os.waitpid(pid, 0)
        assert active_workflow() is not None
    assert seen == b"none"
