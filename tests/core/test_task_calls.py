"""How a task call behaves: keyword checks, resource choice, Parsl keywords, app reuse."""

from __future__ import annotations

import pytest
from chiltepin import UnknownResourceError, Workflow
from chiltepin.plugins import PluginManager, hookimpl, set_plugin_manager
from chiltepin.tasks import bash_task, join_task, python_task

CONFIG = {"local": {"max_workers_per_node": 2}, "compute": {"max_workers_per_node": 1, "init_blocks": 0}}


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("calls")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(workdir)
        with Workflow(CONFIG, run_dir=str(workdir / "runinfo")) as wf:
            yield wf


@python_task
def double(x):
    return 2 * x


@python_task
def takes_spec(parsl_resource_specification=None):
    return parsl_resource_specification


@python_task
def takes_anything(**kwargs):
    return sorted(kwargs)


@python_task
def uses_inputs(inputs=()):
    return [len(str(i)) for i in inputs]


@bash_task
def shout(word):
    return f"echo {word}"


@join_task
def fan(n):
    return [double(i, executor="local") for i in range(n)]


def test_unknown_keyword_is_a_type_error_naming_it(workflow):
    with pytest.raises(TypeError, match=r"double\(\) got an unexpected keyword argument 'y'"):
        double(3, y=1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        fan(2, bogus=1)


def test_parsl_keywords_pass_through_to_functions_that_take_them(workflow, tmp_path):
    assert takes_spec(executor="local", parsl_resource_specification={"priority": 3}).result() == {"priority": 3}
    assert takes_anything(executor="local", inputs=[], walltime=30, a=1).result() == ["a", "inputs", "walltime"]
    assert double(4, executor="local", inputs=[double(1, executor="local")], walltime=30).result() == 8
    assert uses_inputs(executor="local", inputs=[double(50, executor="local")]).result() == [3]


def test_walltime_stops_a_python_task(workflow):
    from parsl.app.errors import AppTimeout

    @python_task
    def sleepy():
        import time
        time.sleep(10)

    with pytest.raises(AppTimeout):
        sleepy(executor="local", walltime=0.5).result(timeout=60)


def test_stdout_path_mode_tuple_appends(workflow, tmp_path):
    out = tmp_path / "log.txt"
    out.write_text("first\n")
    assert shout("second", executor="local", stdout=(str(out), "a")).result() == 0
    assert out.read_text() == "first\nsecond\n"
    with pytest.raises(TypeError, match="unexpected keyword argument 'stdout'"):
        double(1, executor="local", stdout=str(out))


def test_executor_accepts_a_name_or_a_list(workflow):
    assert double(1, executor="compute").result() == 2
    assert double(2, executor=["compute", "local"]).result() == 4
    assert double(3).result() == 6


@pytest.mark.parametrize("choice", ["nope", ["local", "comptue"]])
def test_unknown_resource_lists_the_configured_ones(workflow, choice):
    with pytest.raises(UnknownResourceError, match=r"unknown resource '(nope|comptue)'.*has: compute, local"):
        double(1, executor=choice)


@pytest.mark.parametrize("choice", [[], 5, ["local", 3]])
def test_bad_executor_values(workflow, choice):
    with pytest.raises(TypeError, match="executor= must be a resource name or a non-empty list"):
        double(1, executor=choice)


def test_join_tasks_refuse_executor(workflow):
    assert fan(3).result() == [0, 2, 4]  # a join task's returned futures resolve to their results
    with pytest.raises(TypeError, match="a join task runs in the workflow process"):
        fan(3, executor="local")


def test_exceptions_keep_their_type(workflow):
    class Custom(Exception):
        pass

    @python_task
    def fail():
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        fail(executor="local").result()


def test_reserved_parameter_names_are_rejected_at_decoration():
    for name in ("executor", "chiltepin_task_geometry"):
        namespace: dict = {}
        exec(f"def f(x, {name}=None):\n    return x", namespace)
        with pytest.raises(TypeError, match=f"the parameter '{name}' is reserved"):
            python_task(namespace["f"])


def test_app_is_built_once_and_parsl_gets_the_same_function(workflow):
    from parsl.serialize.concretes import DillCallableSerializer

    double(0, executor="local").result()
    app = double._apps[("local",)]
    futures = [double(i, executor="local") for i in range(20)]
    assert [f.result() for f in futures] == [2 * i for i in range(20)]
    assert double._apps[("local",)] is app and app.func.__wrapped__ is double._remote
    # Parsl's callable serializer caches by function object: identical objects hit its cache.
    before = DillCallableSerializer.serialize.cache_info().hits
    [f.result() for f in [double(i, executor="local") for i in range(10)]]
    assert DillCallableSerializer.serialize.cache_info().hits >= before + 10


def test_methods_get_self(workflow):
    class Scaler:
        def __init__(self, k):
            self.k = k

        @python_task
        def scale(self, x):
            return self.k * x

    assert Scaler(3).scale(4, executor="local").result() == 12
    assert Scaler.scale.name.endswith("Scaler.scale")


def test_geometry_goes_to_parsl_unchanged_without_a_translator(workflow):
    from chiltepin.plugins import builtin

    manager = PluginManager()
    manager.register(builtin, "core", distribution="chiltepin-core", builtin=True)
    previous = set_plugin_manager(manager)
    try:
        spec = {"priority": 1}
        result = takes_spec(executor="local", parsl_resource_specification=spec,
                            chiltepin_task_geometry={"priority": 7}).result()
        assert result == {"priority": 7} and spec == {"priority": 1}
    finally:
        set_plugin_manager(previous)


def test_geometry_translator_plugin_receives_merge_and_resource(workflow):
    from chiltepin.plugins import builtin

    seen = []

    class Translator:
        @hookimpl(tryfirst=True)
        def chiltepin_translate_geometry(self, geometry, resource):
            seen.append((dict(geometry), resource.name if resource else None))
            return {"priority": geometry["rank"] * 10}

    manager = PluginManager()
    manager.register(builtin, "core", distribution="chiltepin-core", builtin=True)
    manager.register(Translator(), "translator")
    previous = set_plugin_manager(manager)
    try:
        result = takes_spec(executor="local", parsl_resource_specification={"rank": 1, "keep": True},
                            chiltepin_task_geometry={"rank": 2}).result()
        assert result == {"priority": 20}
        assert seen == [({"rank": 2, "keep": True}, "local")]
        takes_spec(executor=["local", "compute"], chiltepin_task_geometry={"rank": 1}).result()
        assert seen[-1] == ({"rank": 1}, None)
    finally:
        set_plugin_manager(previous)
