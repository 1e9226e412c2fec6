"""docs/providers/mpi.rst tells the truth: its prefix table is what the launchers give, and it
describes every setting of the mpi backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chiltepin.plugins import get_plugin_manager
from chiltepin_mpi.backend import MPI_SETTINGS
from chiltepin_mpi.geometry import TaskGeometry

PAGE = Path(__file__).resolve().parents[2] / "docs" / "providers" / "mpi.rst"
COLUMNS = [TaskGeometry(num_nodes=2, ranks_per_node=4),
           TaskGeometry(num_nodes=2, ranks_per_node=2, threads_per_rank=3, launcher_options="-v")]


def table_rows():
    row = r"^   \* - ``([a-z-]+)``\n     - ``([^`]+)``\n     - ``([^`]+)``$"
    rows = re.findall(row, PAGE.read_text(), re.MULTILINE)
    return {launcher: prefixes for launcher, *prefixes in rows}


def test_prefix_table_lists_every_launcher_with_a_fixed_syntax():
    """``mpiexec`` renders the row of the flavour it detects; the page lists the others."""
    assert sorted(table_rows()) == sorted(n for n in get_plugin_manager().records("mpi_launchers") if n != "mpiexec")


def test_every_recognised_version_line_is_documented():
    from chiltepin_mpi.flavours import FLAVOURS

    text = PAGE.read_text()
    assert [f.name for f in FLAVOURS if f"``{f.signature}``" not in text or f"``{f.launcher}``" not in text] == []


@pytest.mark.parametrize("launcher", sorted(table_rows()))
def test_prefix_table_matches_the_launchers(launcher):
    record = get_plugin_manager().lookup("mpi_launchers", launcher)
    assert table_rows()[launcher] == [record.prefix(g.as_spec(), ["n1", "n2"]) for g in COLUMNS]


def test_every_setting_is_described():
    text = PAGE.read_text()
    missing = [s.name for s in MPI_SETTINGS if f"``{s.name}``" not in text]
    assert missing == []
