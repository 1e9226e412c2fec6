"""Fixtures of the agent tests: a private Redis exchange (Debian's redis-server on 127.0.0.1, a
free port) and a check that a test leaves no process behind.

The Slurm and Globus agent tests live beside their own fixtures (tests/slurm, tests/globus) and
import these helpers from :mod:`chiltepin_agents.testing`.
"""

from __future__ import annotations

import pytest

pytest.importorskip("chiltepin_agents", reason="chiltepin-agents is not installed (make venv installs it)")

from chiltepin_agents.testing import tag_processes, wait_until_gone  # noqa: E402


@pytest.fixture
def nothing_left():
    """Tag every process the test starts; afterwards none may still run (waits a bounded time)."""
    tag = tag_processes()
    yield tag
    left = wait_until_gone(tag, timeout=60)
    assert not left, f"processes left behind: {left}"
