"""The observing commands are in the CLI reference, the "Observing a run" page has its
screenshots, and a command whose optional library is missing says what to install."""

from __future__ import annotations

import sys
from pathlib import Path

from chiltepin.cli import main
from chiltepin.cli.main import CORE_COMMANDS

DOCS = Path(__file__).parents[2] / "docs"


def test_every_core_command_is_in_the_cli_reference():
    text = (DOCS / "cli.rst").read_text()
    for command in CORE_COMMANDS:
        assert f"``chiltepin {command.name}" in text, command.name


def test_observing_page_is_in_the_toctree_with_its_screenshots():
    page = (DOCS / "observing.rst").read_text()
    assert "observing" in (DOCS / "index.rst").read_text().split()
    for image in ("images/observing-dashboard.png", "images/observing-progress.png"):
        assert f".. image:: {image}" in page
        assert (DOCS / image).read_bytes()[:4] == b"\x89PNG"


def test_missing_report_extra_names_the_pip_command(recorded_run, tmp_path, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "plotly" or m.startswith("plotly.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "plotly", None)  # what a missing package looks like to import
    assert main(["report", str(recorded_run), "-o", str(tmp_path / "r.html")]) == 1
    assert capsys.readouterr().err == ("chiltepin: error: chiltepin report needs the Python package 'plotly'; "
                                       "install it with pip install 'chiltepin-core[report]'\n")
