"""docs/providers/slurm.rst and pbspro.rst tell the truth: they describe every setting, and their
example headers are what the examples' configurations render."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from chiltepin.plugins import get_plugin_manager

DOCS = Path(__file__).resolve().parents[2] / "docs" / "providers"


def code_blocks(text: str, language: str) -> list[str]:
    pattern = rf"\.\. code-block:: {language}\n\n((?:   .*\n|\n)+)"
    return [textwrap.dedent(block).strip("\n") + "\n" for block in re.findall(pattern, text)]


@pytest.mark.parametrize(("page", "provider", "launcher"), [("slurm.rst", "slurm", "srun"),
                                                            ("pbspro.rst", "pbspro", "mpiexec")])
def test_every_setting_is_described(page, provider, launcher):
    manager = get_plugin_manager()
    names = [s.name for s in manager.lookup("resource_providers", provider).settings]
    names += [s.name for s in manager.lookup("launchers", launcher).settings]
    text = (DOCS / page).read_text()
    assert [name for name in names if f"``{name}``" not in text] == []


@pytest.mark.parametrize("page", ["slurm.rst", "pbspro.rst"])
def test_example_header_is_what_the_example_renders(page, render):
    text = (DOCS / page).read_text()
    example = text.split(f".. {page.split('.')[0]}-header-example", 1)[1]
    config = yaml.safe_load(code_blocks(example, "yaml")[0])
    (block,) = config.values()
    assert render(block).header == code_blocks(example, "bash")[0]


@pytest.mark.parametrize("page", ["slurm.rst", "pbspro.rst"])
def test_every_yaml_example_is_a_valid_configuration(page, resolve):
    import importlib.util

    for block in code_blocks((DOCS / page).read_text(), "yaml"):
        for name, options in yaml.safe_load(block).items():
            if options.get("mpi") and importlib.util.find_spec("chiltepin_mpi") is None:
                continue  # needs chiltepin-mpi, which this page does not ship
            assert resolve(options, name=name).provider == options["provider"]
