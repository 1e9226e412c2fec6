"""Makes sure the example site plugin (examples/site-plugin) is installed in the test environment."""

from __future__ import annotations

import importlib
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site-plugin"


@pytest.fixture(scope="session")
def cobalt_installed() -> Path:
    """Install examples/site-plugin editable unless `make venv` already did; return its directory."""
    try:
        metadata.distribution("chiltepin-site-cobalt")
    except metadata.PackageNotFoundError:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(EXAMPLE)],
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail(f"could not install the example site plugin:\n{done.stderr}")
    try:
        importlib.import_module("chiltepin_site_cobalt.plugin")
    except ImportError:  # installed by this process: its editable path hook is not active here yet
        sys.path.insert(0, str(EXAMPLE / "src"))
        importlib.invalidate_caches()
    return EXAMPLE


@pytest.fixture
def installed_plugins(cobalt_installed):
    """A fresh process-wide plugin manager over everything installed, restored afterwards."""
    from chiltepin.plugins import get_plugin_manager, set_plugin_manager

    previous = set_plugin_manager(None)
    try:
        yield get_plugin_manager()
    finally:
        set_plugin_manager(previous)
