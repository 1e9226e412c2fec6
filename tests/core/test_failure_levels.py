"""Retries, delays and timeouts at three levels (task over resource over workflow), and the clear
errors for bad values at each level: at decoration time naming task and option, in YAML as a
ConfigError naming resource.key."""

from __future__ import annotations

import pytest
from chiltepin import ConfigError, Workflow
from chiltepin.config import resolve_options
from chiltepin.config.resolve import resolve_resource
from chiltepin.failures import effective, task_options
from chiltepin.plugins.manager import get_plugin_manager
from chiltepin.tasks import bash_task, join_task, python_task
from hypothesis import given
from hypothesis import strategies as st

# -- bad input --------------------------------------------------------------------------------

BAD_OPTIONS = [
    ({"retries": -1}, ValueError, "retries= must be at least 0"),
    ({"retries": 1.5}, ValueError, "retries= expected an integer"),
    ({"retry_delay": -2}, ValueError, "retry_delay= delays must be 0 or more"),
    ({"retry_delay": []}, ValueError, "retry_delay= expected a number or a non-empty list"),
    ({"retry_delay": [1, "x"]}, ValueError, "retry_delay= expected a number of seconds"),
    ({"retry_on": "ValueError"}, TypeError, "retry_on= expects exception types"),
    ({"retry_on": [ValueError, 3]}, TypeError, "retry_on= expects exception types"),
    ({"retry_on": []}, ValueError, "retry_on= is empty"),
    ({"timeout": 0}, ValueError, "timeout= must be greater than 0"),
    ({"timeout": -5}, ValueError, "timeout= must be greater than 0"),
    ({"retires": 2}, TypeError, "unknown option 'retires' \\(did you mean 'retries'\\?\\)"),
    ({"cache": "yes"}, TypeError, "cache= expects True or False"),
    ({"executor": []}, TypeError, "executor= must be a resource name"),
]


@pytest.mark.parametrize(("options", "error", "message"), BAD_OPTIONS)
def test_bad_decorator_options_fail_at_decoration_naming_task_and_option(options, error, message):
    with pytest.raises(error, match=f"@python_task .*my_step: {message}"):
        @python_task(**options)
        def my_step():
            pass


def test_bash_tasks_take_exit_codes_in_retry_on_and_join_tasks_refuse_timeouts():
    @bash_task(retry_on=[75, OSError])
    def copy():
        return "true"

    assert copy.options.retry_on == (75, OSError)
    with pytest.raises(TypeError, match="@join_task .*gather: unknown option 'timeout' .*workflow process"):
        @join_task(timeout=5)
        def gather():
            pass


def test_both_decorator_forms_give_the_same_task():
    def body(x):
        return x

    bare, called = python_task(body), python_task()(body)
    assert type(bare) is type(called) and bare.options == called.options


@pytest.mark.parametrize(("key", "value", "message"), [
    ("retries", -1, "must be at least 0"),
    ("retry_delay", [], "non-empty list"),
    ("retry_delay", "soon", "expected a number of seconds"),
    ("timeout", 0, "must be greater than 0"),
])
def test_bad_failure_settings_in_yaml_name_resource_and_key(key, value, message):
    with pytest.raises(ConfigError, match=f"compute.{key}: .*{message}"):
        resolve_resource("compute", {"provider": "localhost", key: value}, get_plugin_manager())
    with pytest.raises(ConfigError, match=f"workflow.{key}: .*{message}"):
        resolve_options({key: value}, {})


# -- precedence -------------------------------------------------------------------------------

maybe_retries = st.none() | st.integers(0, 5)
maybe_delay = st.none() | st.floats(0, 100) | st.lists(st.floats(0, 100), min_size=1, max_size=3)
maybe_timeout = st.none() | st.floats(0.5, 1000)


@given(task=st.tuples(maybe_retries, maybe_delay, maybe_timeout),
       resource=st.tuples(maybe_retries, maybe_delay, maybe_timeout),
       workflow=st.tuples(maybe_retries, maybe_delay, maybe_timeout))
def test_task_wins_over_resource_wins_over_workflow(task, resource, workflow):
    keys = ("retries", "retry_delay", "timeout")

    def given_(values):
        return {k: v for k, v in zip(keys, values, strict=True) if v is not None}

    options = task_options("python_task", "t", given_(task))
    block = resolve_resource("r", {"provider": "localhost", **given_(resource)}, get_plugin_manager())
    wf = resolve_options(given_(workflow), {})
    for i, key in enumerate(keys):
        chosen = effective(key, options, block, wf)
        levels = [getattr(options, key), block.get(key), wf.get(key)]
        expected = next((v for v in levels if v is not None), None)
        assert chosen == expected
        if task[i] is not None:
            assert chosen == options.__getattribute__(key)
        elif resource[i] is not None:
            assert chosen == block.get(key)


def _count(path):
    with open(path, "a") as f:
        f.write("x\n")
    raise RuntimeError("always fails")


@python_task
def uses_levels(path):
    return _count(path)


@python_task(retries=0)
def never_retried(path):
    return _count(path)


def test_levels_in_a_real_run(tmp_path):
    config = {"r": {"executor": "threads", "retries": 1}, "t": {"executor": "threads"},
              "workflow": {"retries": 3, "retry_delay": 0.05}}
    runs = {"on_r": (uses_levels, "r", 2), "on_t": (uses_levels, "t", 4), "task": (never_retried, "r", 1)}
    with Workflow(config, run_dir=str(tmp_path / "run")):
        for name, (task, resource, expected) in runs.items():
            with pytest.raises(RuntimeError):
                task(tmp_path / name, executor=resource).result(timeout=60)
            assert len((tmp_path / name).read_text().split()) == expected, name
