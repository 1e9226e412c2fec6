"""Helpers for core tests: throwaway distributions with real entry points on sys.path."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from chiltepin.plugins import PluginManager


@pytest.fixture
def make_dist(tmp_path, monkeypatch):
    """Write a distribution (dist-info with entry points + modules) into a directory on sys.path."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    created: list[str] = []

    def make(name: str, entry_points: dict[str, str], modules: dict[str, str], version: str = "0.1.0") -> Path:
        info = root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        lines = ["[chiltepin]"] + [f"{k} = {v}" for k, v in entry_points.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
        for module, source in modules.items():
            (root / f"{module}.py").write_text(textwrap.dedent(source))
            created.append(module)
        return info

    yield make
    for module in created:
        sys.modules.pop(module, None)


@pytest.fixture
def fresh_manager():
    """Build a plugin manager that loads the entry points present right now."""

    def build(**kwargs) -> PluginManager:
        manager = PluginManager(**kwargs)
        manager.load_entrypoints()
        return manager

    return build
