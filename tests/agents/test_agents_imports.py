"""Core never loads Academy: not on import, not when the plugin's config block is read."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import chiltepin
from chiltepin.config import load_document
from chiltepin.plugins import get_plugin_manager
assert "agents" in get_plugin_manager().records("config_blocks")
load_document({"agents": {"exchange": "redis", "address": "127.0.0.1:6379"}})
print(sorted(m for m in sys.modules if m.split(".")[0] == "academy"))
"""


def test_reading_the_agents_block_does_not_import_academy():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
