"""Bad Slurm / PBS Pro resource settings: one clear ConfigError naming resource and key."""

from __future__ import annotations

import re

import pytest
from chiltepin import Workflow
from chiltepin.errors import ConfigError
from chiltepin_slurm import walltime
from hypothesis import given
from hypothesis import strategies as st


def config_error(block: dict, tmp_path) -> str:
    with pytest.raises(ConfigError) as caught:
        Workflow({"hpc": block}, run_dir=str(tmp_path)).start()
    return str(caught.value)


@pytest.mark.parametrize(("block", "expected"), [
    ({"provider": "slurm", "partiton": "debug"}, ["hpc.partiton", "unknown key for provider 'slurm'",
                                                 "did you mean 'partition'"]),
    ({"provider": "pbspro", "nodes_per_blok": 2}, ["hpc.nodes_per_blok", "did you mean 'nodes_per_block'"]),
    ({"provider": "pbspro", "exclusive": False}, ["hpc.exclusive", "unknown key for provider 'pbspro'",
                                                 "provider 'slurm'"]),
    ({"provider": "pbspro", "partition": "a"}, ["hpc.partition", "provider 'slurm'"]),
    ({"provider": "slurm", "walltime": "90"}, ["hpc.walltime", "HH:MM:SS or D-HH:MM:SS"]),
    ({"provider": "slurm", "walltime": "01:75:00"}, ["hpc.walltime", "minutes and seconds"]),
    ({"provider": "pbspro", "walltime": "2-24:00:00"}, ["hpc.walltime", "hours must be 00-23"]),
    ({"provider": "slurm", "walltime": "00:00:00"}, ["hpc.walltime", "longer than zero"]),
    ({"provider": "slurm", "walltime": 3600}, ["hpc.walltime", "expected a string"]),
    ({"provider": "slurm", "nodes_per_block": -2}, ["hpc.nodes_per_block", "at least 1"]),
    ({"provider": "pbspro", "cores_per_node": 0}, ["hpc.cores_per_node", "at least 1"]),
    ({"provider": "slurm", "max_blocks": -1}, ["hpc.max_blocks", "at least 0"]),
    ({"provider": "slurm", "gpus_per_node": -1}, ["hpc.gpus_per_node", "at least 0"]),
    ({"provider": "slurm", "gpus_per_node": 4, "available_accelerators": 2},
     ["hpc.available_accelerators: 2 accelerator(s) per node, but gpus_per_node asks for 4"]),
    ({"provider": "pbspro", "gpus_per_node": 2, "available_accelerators": ["0", "1", "2"]},
     ["hpc.available_accelerators: 3 accelerator(s) per node (0, 1, 2), but gpus_per_node asks for 2"]),
    ({"provider": "slurm", "exclusive": "yes"}, ["hpc.exclusive", "true or false"]),
    ({"provider": "slurm", "environment": "module load x"}, ["hpc.environment", "YAML list"]),
    ({"provider": "slurm", "scheduler_options": ["--mem=4g"]}, ["hpc.scheduler_options", "'#SBATCH'"]),
    ({"provider": "pbspro", "scheduler_options": ["#SBATCH -p x"]}, ["hpc.scheduler_options", "'#PBS'"]),
    ({"provider": "slurm", "queue": "high", "qos": "low"}, ["hpc.queue", "QOS", "qos"]),
    ({"provider": "slurm", "launcher": "srn"}, ["hpc.launcher", "did you mean 'srun'"]),
    ({"provider": "slurm", "launcher": "mpiexec", "srun_options": "-v"},
     ["hpc.srun_options", "unknown key"]),
    ({"provider": "pbspro", "cores_per_node": 4, "max_workers_per_node": 8},
     ["hpc.max_workers_per_node", "more than cores_per_node (4)"]),
    ({"provider": "slurm", "cores_per_node": 4, "max_workers_per_node": 5},
     ["hpc.max_workers_per_node", "more than cores_per_node (4)"]),
    ({"provider": "pbspro", "cores_per_node": 4, "max_workers_per_node": 2, "cores_per_worker": 3},
     ["hpc.max_workers_per_node", "need 6 cores"]),
    ({"provider": "pbspro", "cores_per_node": 64, "select_options": "mpiprocs=32:ompthreads=4"},
     ["hpc.select_options", "need 128 cores, more than cores_per_node (64)"]),
    ({"provider": "pbspro", "cores_per_node": 64, "select_options": "ncpus=32"},
     ["hpc.select_options", "set cores_per_node instead"]),
    ({"provider": "pbspro", "select_options": "ngpus 4"}, ["hpc.select_options", "name=value"]),
])
def test_bad_setting_is_one_clear_error(block, expected, tmp_path):
    message = config_error(block, tmp_path)
    for text in expected:
        assert text in message
    assert "Traceback" not in message


def test_every_problem_of_a_resource_is_reported_at_once(tmp_path):
    message = config_error({"provider": "pbspro", "exclusive": True, "walltime": "1h", "queu": "q"}, tmp_path)
    assert {"hpc.exclusive", "hpc.walltime", "hpc.queu"} <= set(re.findall(r"hpc\.\w+", message))


def test_good_settings_pass_the_same_checks(resolve):
    resolve({"provider": "pbspro", "cores_per_node": 64, "max_workers_per_node": 32, "cores_per_worker": 2,
             "select_options": "mpiprocs=32:ompthreads=2", "walltime": "1-00:00:00"})
    resolve({"provider": "slurm", "queue": "normal", "qos": "normal", "walltime": "100:00:00"})


VALID = st.builds(
    lambda days, h, m, s: (f"{days}-{h:02d}:{m:02d}:{s:02d}" if days is not None else f"{h:02d}:{m:02d}:{s:02d}",
                           ((days or 0) * 24 + h) * 3600 + m * 60 + s),
    st.none() | st.integers(0, 400), st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))


@given(VALID)
def test_every_valid_walltime_is_parsed_exactly(case):
    text, total = case
    if total == 0:
        assert walltime.problem(text)
        return
    assert walltime.seconds(text) == total
    assert walltime.seconds(walltime.hms(text)) == total
    rounded = walltime.seconds(walltime.hms(text, whole_minutes=True))
    assert rounded % 60 == 0 and total <= rounded < total + 60


@given(st.integers(0, 99), st.integers(60, 99), st.integers(0, 99))
def test_minutes_or_seconds_past_59_are_rejected(hours, big, other):
    assert walltime.problem(f"{hours:02d}:{big}:{other:02d}")
    assert walltime.problem(f"{hours:02d}:{other % 60:02d}:{big}")


@given(st.text(max_size=12) | st.text(alphabet="0123456789:-\u0661 h.", max_size=12))
def test_text_outside_the_two_forms_is_rejected(text):
    if re.fullmatch(r"([0-9]+-)?[0-9]+:[0-9]{2}:[0-9]{2}", text):
        return
    assert walltime.problem(text)


@pytest.mark.parametrize("provider", ["slurm", "pbspro"])
def test_accelerators_matching_gpus_per_node_are_accepted(provider, tmp_path):
    from chiltepin.config.resolve import resolve_resource
    from chiltepin.plugins import get_plugin_manager

    for accelerators in (4, ["0", "1", "2", "3"]):
        resource = resolve_resource("hpc", {"provider": provider, "gpus_per_node": 4,
                                            "available_accelerators": accelerators}, get_plugin_manager())
        assert resource.get("available_accelerators") == accelerators
