"""Every distribution built as a wheel and installed (not editable) into a fresh venv runs a
user's own pytest suite (user_project/): python, bash and join tasks, a helper module imported
by workers, a site preset, and the contract classes on a small provider and a site.

Editable installs (the rest of this suite) hide packaging faults: files missing from wheels,
undeclared dependencies, and pytest treating an installed distribution differently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = ["chiltepin-core", "chiltepin-slurm", "chiltepin-mpi", "chiltepin-globus", "examples/site-plugin"]


def _clean_env() -> dict[str, str]:
    """This environment without the dev venv: no PYTHONPATH, VIRTUAL_ENV or .venv/bin on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHILTEPIN_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT)))
    return env


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env(), **kwargs)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    """A fresh venv holding the five wheels (built from copies, so the worktree stays clean)."""
    work = tmp_path_factory.mktemp("wheels")
    dist = work / "dist"
    sources = []
    for member in MEMBERS:
        sources.append(str(work / "src" / member))
        shutil.copytree(ROOT / member, sources[-1], ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), *sources], timeout=1200)
    wheels = sorted(str(p) for p in dist.glob("*.whl"))
    assert len(wheels) == len(MEMBERS), wheels
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *wheels, "pytest"], timeout=1500)
    return venv


@pytest.mark.timeout(2400)
def test_users_suite_passes_against_the_wheels(wheel_venv, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).parent / "user_project", project)
    done = subprocess.run([str(wheel_venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=project, env=_clean_env(), capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "failed" not in done.stdout and " passed" in done.stdout
