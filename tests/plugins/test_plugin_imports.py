"""First-party plugins use only chiltepin's plugin API (``chiltepin.plugins``) and its public
modules, never a core internal: what they need is exported there, so a third-party plugin can
copy their imports and keep working across core releases."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_SOURCES = [ROOT / "chiltepin-slurm" / "src", ROOT / "chiltepin-mpi" / "src", ROOT / "chiltepin-globus" / "src",
                  ROOT / "examples" / "site-plugin" / "src"]
PUBLIC = {"chiltepin", "chiltepin.plugins", "chiltepin.tasks", "chiltepin.workflow", "chiltepin.data",
          "chiltepin.testing"}


def _core_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.extend(n for n in names if n == "chiltepin" or n.startswith("chiltepin."))
    return found


@pytest.mark.parametrize("source", PLUGIN_SOURCES, ids=lambda p: p.parent.name)
def test_plugins_import_only_the_plugin_api(source):
    assert source.is_dir(), source
    offending = []
    for path in sorted(source.rglob("*.py")):
        where = str(path.relative_to(source))
        offending += [(where, name) for name in _core_imports(path)
                      if name not in PUBLIC]
    assert offending == [], "plugins import core internals; export what they need from chiltepin.plugins"


def test_the_check_sees_a_private_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from chiltepin.plugins.records import Site\nimport chiltepin._runtime\nfrom chiltepin import x\n")
    assert [n for n in _core_imports(bad) if n not in PUBLIC] == ["chiltepin.plugins.records", "chiltepin._runtime"]
