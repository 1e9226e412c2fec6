"""The four distributions share one minor version, and every plugin's range on chiltepin-core
(and on a sibling) admits exactly that minor version: the plugin API may change between minor
versions until 1.0."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = ["chiltepin-core", "chiltepin-slurm", "chiltepin-mpi", "chiltepin-globus"]


def _project(path: Path) -> dict:
    return tomllib.loads((path / "pyproject.toml").read_text())["project"]


def test_members_share_a_version_and_plugins_pin_its_minor_range():
    versions = {m: _project(ROOT / m)["version"] for m in MEMBERS}
    assert len(set(versions.values())) == 1, versions
    major, minor = versions["chiltepin-core"].split(".")[:2]
    expected = f">={major}.{minor},<{major}.{int(minor) + 1}"
    for path in [ROOT / m for m in MEMBERS[1:]] + [ROOT / "examples" / "site-plugin"]:
        for requirement in _project(path)["dependencies"]:
            name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)
            if name in MEMBERS:
                assert requirement == name + expected, (path.name, requirement)
