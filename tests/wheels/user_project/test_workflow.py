"""A user's tests of their own workflow, run against chiltepin installed from wheels."""

import os

import chiltepin
import scratch_provider
from chiltepin import Workflow
from chiltepin.tasks import bash_task, join_task, python_task
from chiltepin.testing import ResourceProviderContract, SiteContract
from helpers import double


@python_task
def square(x):
    return x * x


@python_task
def twice(x):
    return double(x)


@python_task
def total(*values):
    return sum(values)


@bash_task
def write(path, text):
    return f"echo {text} > {path}"


@join_task
def sum_of_squares(n):
    return total(*[square(i, executor="local") for i in range(n)], executor="local")


def test_chiltepin_is_installed_from_a_wheel():
    assert "site-packages" in chiltepin.__file__
    assert not any(p.endswith(".pth") and "__editable__" in p for p in os.listdir(os.path.dirname(
        os.path.dirname(chiltepin.__file__))))


def test_python_bash_and_join_tasks(tmp_path):
    out = tmp_path / "greeting.txt"
    with Workflow(run_dir=str(tmp_path / "runs")):
        assert square(3, executor="local").result() == 9
        assert twice(21, executor="local").result() == 42
        assert write(str(out), "hello", executor="local").result() == 0
        assert sum_of_squares(4).result() == 14
    assert out.read_text() == "hello\n"


def test_a_site_preset_runs_tasks(tmp_path):
    config = {"svc": {"extends": "cobalt:service"}}
    with Workflow(config, include=["svc"], run_dir=str(tmp_path)):
        assert twice(5, executor="svc").result() == 10


class TestScratchProvider(ResourceProviderContract):
    provider_name = "scratch-local"
    plugin = scratch_provider


class TestCobaltSite(SiteContract):
    site_name = "cobalt"
    sample_hostnames = ("cr-login1",)
