"""docs/agents.rst tells the truth: its YAML is a valid configuration, and its Python example,
run as written against that file (with the address of this test's Redis server), prints the
agent's forecast."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from chiltepin.config import load_document

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "agents.rst").read_text(encoding="utf-8")


def code_blocks(language: str) -> list[str]:
    pattern = rf"\.\. code-block:: {language}\n\n((?:   .*\n|\n)+)"
    return [textwrap.dedent(block).strip("\n") + "\n" for block in re.findall(pattern, PAGE)]


def test_included_examples_exist():
    for marker in ("stateful", "tasks", "talking"):
        assert f":start-after: # [{marker}]" in PAGE
        assert f"# [{marker}]" in (Path(__file__).parent / "weather_agents.py").read_text()


def test_yaml_example_is_a_valid_configuration():
    (config,) = code_blocks("yaml")
    document = load_document(yaml.safe_load(config))
    assert document.blocks["agents"]["exchange"] == "redis"


def test_python_example_runs_as_written(redis_address, tmp_path, nothing_left):
    (config,) = code_blocks("yaml")
    (program,) = code_blocks("python")
    (tmp_path / "agents.yaml").write_text(config.replace("127.0.0.1:6379", redis_address))
    (tmp_path / "example.py").write_text(program)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "'station': 'BOU', 'hours': 6" in done.stdout
