"""The examples of the Flux patterns page (shared/seeds/002_...txt) and the Pydra task bases
(shared/seeds/004_...txt), written with chiltepin.patterns and run on real local HTEX workers.

Flux's ``@workflow async def f(ctx)`` becomes a ``@join_task`` (it runs in the workflow process and
returns a future), ``await x`` becomes returning the future, ``ctx.input`` the join task's argument.
Overlap of independent work is checked with the (start, end) times the tasks report themselves.
"""

from __future__ import annotations

import functools

import pytest
from chiltepin import ContainerTask, Graph, GraphError, MapReduceTask, ParallelTask, Workflow, parallel, pipeline
from chiltepin.tasks import bash_task, join_task, python_task

CONFIG = {
    "a": {"max_workers_per_node": 2, "init_blocks": 1, "environment": ["export WHERE=a"]},
    "b": {"max_workers_per_node": 2, "init_blocks": 1, "environment": ["export WHERE=b"]},
}


@python_task
def rendezvous(directory, me, n):
    """Finishes once ``n`` tasks are running at the same time (so ``n`` workers are up)."""
    import os
    import time
    open(os.path.join(directory, me), "w").close()
    deadline = time.time() + 120
    while len(os.listdir(directory)) < n and time.time() < deadline:
        time.sleep(0.05)
    return len(os.listdir(directory))


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    with Workflow(CONFIG, run_dir=str(tmp_path_factory.mktemp("patterns") / "runinfo")) as wf:
        for resource in CONFIG:
            meeting = tmp_path_factory.mktemp(f"meet-{resource}")
            assert [f.result() for f in [rendezvous(str(meeting), str(i), 2, executor=[resource])
                                         for i in range(2)]] == [2, 2]
        yield wf


def overlap(*spans):
    """Whether some two of the (start, end) spans ran at the same time (two workers per resource)."""
    return any(max(s[0], t[0]) < min(s[1], t[1]) for i, s in enumerate(spans) for t in spans[i + 1:])


@python_task
def timed(label, seconds=0.6):
    import time
    start = time.time()
    time.sleep(seconds)
    return label, start, time.time()


# -- 002: parallel ------------------------------------------------------------------------------

@python_task
def say_hi(name: str):
    return f"Hi, {name}"


@python_task
def say_hello(name: str):
    return f"Hello, {name}"


@python_task
def say_hola(name: str):
    return f"Hola, {name}"


@join_task
def parallel_workflow(name):
    return parallel(
        say_hi(name),
        say_hello(name),
        say_hola(name)
    )


def test_parallel(workflow):
    assert parallel_workflow("Joe").result() == ["Hi, Joe", "Hello, Joe", "Hola, Joe"]
    results = parallel(timed("task1", executor=["a"]), timed("task2", executor=["a"]),
                       timed("task3", executor=["a"])).result()
    assert [r[0] for r in results] == ["task1", "task2", "task3"]
    assert overlap(*[r[1:] for r in results])


def test_parallel_groups(workflow):
    items = ["item1", "item2", "item3"]
    group1 = parallel(*[timed(f"task1-{i}", 0.3) for i in items])
    group2 = parallel(*[timed(f"task2-{i}", 0.3) for i in items])
    assert [r[0] for r in group1.result()] == [f"task1-{i}" for i in items]
    assert [r[0] for r in group2.result()] == [f"task2-{i}" for i in items]


@python_task
def boom(x):
    raise KeyError(x)


def test_parallel_failures(workflow):
    with pytest.raises(KeyError) as info:
        parallel(say_hi("a"), boom("b")).result()
    assert "parallel: argument 1 failed" in info.value.__notes__
    results = parallel(say_hi("a"), boom("b"), return_exceptions=True).result()
    assert results[0] == "Hi, a" and isinstance(results[1], KeyError)
    assert parallel().result() == []


# -- 002: pipeline ------------------------------------------------------------------------------

@python_task
def multiply_by_two(x):
    return x * 2


@python_task
def add_three(x):
    return x + 3


@python_task
def square(x):
    return x * x


@join_task
def pipeline_workflow(value):
    return pipeline(
        multiply_by_two,
        add_three,
        square,
        input=value
    )


@python_task
def stage(history, name, seconds):
    import time
    start = time.time()
    time.sleep(seconds)
    return [*history, (name, start, time.time())]


fast_task = functools.partial(stage, name="fast", seconds=0.1)
slow_task = functools.partial(stage, name="slow", seconds=0.4)
medium_task = functools.partial(stage, name="medium", seconds=0.2)


def test_pipeline(workflow):
    assert pipeline_workflow(4).result() == (4 * 2 + 3) ** 2
    history = pipeline(fast_task, slow_task, medium_task, input=[]).result()
    assert [h[0] for h in history] == ["fast", "slow", "medium"]
    assert all(history[i][2] <= history[i + 1][1] for i in range(2)), "stages ran one after the other"


@python_task
def validate_input(x):
    return {"value": x, "valid": isinstance(x, int)}


@python_task
def transform_data(d):
    return {**d, "value": d["value"] * 10}


@python_task
def process_part(d, part):
    return {**d, "parts": d.get("parts", ()) + (part,)}


@python_task
def save_result(d):
    return d


@python_task
def validate_and_transform(x):
    return {"value": x * 10, "valid": True}


@python_task
def process_all_parts(d):
    return {**d, "parts": (1, 2, 3)}


def test_pipeline_granularity(workflow):
    parts = [functools.partial(process_part, part=n) for n in (1, 2, 3)]
    fine = pipeline(validate_input, transform_data, *parts, save_result, input=5)
    coarse = pipeline(validate_and_transform, process_all_parts, save_result, input=5)
    assert fine.result() == coarse.result() == {"value": 50, "valid": True, "parts": (1, 2, 3)}


def test_pipeline_failure_names_the_stage(workflow):
    with pytest.raises(KeyError) as info:
        pipeline(multiply_by_two, boom, add_three, input=1).result()
    assert info.value.args == (2,)
    assert "pipeline: stage 2 of 3 (boom) failed" in info.value.__notes__


# -- 002: task mapping --------------------------------------------------------------------------

@python_task
def process_item(item: str):
    return item.upper()


@join_task
def mapping_workflow(items):
    return process_item.map(items)


@python_task
def count(to: int):
    return [i for i in range(0, to + 1)]


@python_task
def length(results):
    return len(results)


@join_task
def task_map_workflow(n):
    results = count.map(list(range(0, n)))
    return length(results)


def test_mapping(workflow):
    assert mapping_workflow(["a", "b", "c"]).result() == ["A", "B", "C"]
    assert task_map_workflow(5).result() == 5
    assert count.map(range(3), executor=["b"]).result() == [[0], [0, 1], [0, 1, 2]]
    spans = timed.map(["x", "y", "z"], executor=["a"]).result()
    assert [s[0] for s in spans] == ["x", "y", "z"] and overlap(*[s[1:] for s in spans])


def test_mapping_batches(workflow):
    items = [f"w{i}" for i in range(10)]
    batch_size = 3
    results = []
    for i in range(0, len(items), batch_size):
        batch = items[i:i + batch_size]
        batch_results = process_item.map(batch)
        results.extend(batch_results.result())
    assert results == [w.upper() for w in items]


@python_task
def store_results(batch, path):
    with open(path, "a") as f:
        f.write(",".join(batch) + "\n")
    return len(batch)


def chunk_generator(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def test_memory_efficient_mapping(workflow, tmp_path):
    path = str(tmp_path / "store.txt")
    stored = []
    for batch in chunk_generator(["a", "b", "c", "d", "e"], size=2):
        batch_results = process_item.map(batch)
        stored.append(store_results(batch_results, path).result())
    assert stored == [2, 2, 1]
    assert open(path).read() == "A,B\nC,D\nE\n"


@python_task
def add(x, y):
    return x + y


def test_map_several_iterables_and_failures(workflow):
    assert add.map([1, 2, 3], [10, 20]).result() == [11, 22]
    with pytest.raises(ValueError, match=r"add\.map: strict=True and the iterables have different lengths \(3, 2\)"):
        add.map([1, 2, 3], [10, 20], strict=True)
    assert add.map([multiply_by_two(1), 5], [1, 1]).result() == [3, 6]
    with pytest.raises(KeyError) as info:
        boom.map(["only"]).result()
    assert "boom.map: item 0 failed" in info.value.__notes__


# -- 002: graphs --------------------------------------------------------------------------------

@python_task
def get_name(input: str) -> str:
    return input


@python_task
def say_hello_graph(name: str) -> str:
    return f"Hello, {name}"


@join_task
def graph_workflow(value):
    hello = (
        Graph("hello_world")
        .add_node("get_name", get_name)
        .add_node("say_hello", say_hello_graph)
        .add_edge("get_name", "say_hello")
        .start_with("get_name")
        .end_with("say_hello")
    )
    return hello(value)


@python_task
def validate_data(data):
    return {"valid": bool(data.get("values")), "data": data}


@python_task
def process_data(result):
    return f"processed {sum(result['data']['values'])}"


@python_task
def handle_error(result):
    return f"error: nothing in {result['data']}"


@join_task
def conditional_graph_workflow(value):
    workflow = (
        Graph("conditional_flow")
        .add_node("validate", validate_data)
        .add_node("process", process_data)
        .add_node("error", handle_error)
        .add_edge("validate", "process",
                  condition=lambda result: result.get("valid"))
        .add_edge("validate", "error",
                  condition=lambda result: not result.get("valid"))
        .start_with("validate")
        .end_with("process")
        .end_with("error")
    )
    return workflow(value)


def test_graphs(workflow):
    assert graph_workflow("Ada").result() == "Hello, Ada"
    assert conditional_graph_workflow({"values": [1, 2]}).result() == "processed 3"
    assert conditional_graph_workflow({"values": []}).result() == "error: nothing in {'values': []}"


def test_graph_several_incoming_edges(workflow):
    complex_graph = (
        Graph("complex")
        .add_node("A", timed)
        .add_node("B", functools.partial(timed, seconds=0.1))
        .add_node("C", functools.partial(timed, seconds=0.1))
        .add_node("D", get_name)
        .add_edge("A", "B")
        .add_edge("A", "C")
        .add_edge("B", "D")
        .add_edge("C", "D")
        .start_with("A")
        .end_with("D")
    )
    inputs = complex_graph("a", executor=["a"]).result()
    assert list(inputs) == ["B", "C"]
    b, c = inputs["B"], inputs["C"]
    assert b[0][0] == c[0][0] == "a", "B and C both received A's result"
    assert overlap(b[1:], c[1:]), "B and C ran at the same time"


@python_task
def task_a(x):
    return f"a({x})"


@python_task
def task_b(x):
    return f"b({x})"


@python_task
def task_c(results):
    return f"c({results['A']}, {results['B']})"


@python_task
def combined_task_bc(x):
    return f"c({x}, b({x}))"


def test_graph_simplified_structure(workflow):
    """The page's "too many edges" graph and its simplified form give the same result."""
    graph = (
        Graph("complex")
        .add_node("A", task_a)
        .add_node("B", task_b)
        .add_node("C", task_c)
        .add_edge("A", "B")
        .add_edge("A", "C")
        .add_edge("B", "C")
    )
    graph = graph.start_with("A").end_with("C")  # the page leaves out start and end
    optimized = (
        Graph("optimized")
        .add_node("A", task_a)
        .add_node("BC", combined_task_bc)
        .add_edge("A", "BC")
    ).start_with("A").end_with("BC")
    assert graph(1).result() == optimized(1).result() == "c(a(1), b(a(1)))"


def test_graph_no_condition_holds(workflow):
    graph = (Graph("picky").add_node("v", validate_data).add_node("p", process_data)
             .add_edge("v", "p", condition=lambda r: False).start_with("v").end_with("p"))
    with pytest.raises(GraphError, match="Graph 'picky': no end node ran \\(p\\); no condition held at 'v'"):
        graph({"values": [1]}).result()


def test_graph_failures(workflow):
    graph = (Graph("fails").add_node("a", multiply_by_two).add_node("b", boom).add_node("c", add_three)
             .add_edge("a", "b").add_edge("b", "c").start_with("a").end_with("c"))
    with pytest.raises(KeyError) as info:
        graph(1).result()
    assert "Graph 'fails': node 'b' failed" in info.value.__notes__
    bad = (Graph("bad_condition").add_node("a", multiply_by_two).add_node("b", add_three)
           .add_edge("a", "b", condition=lambda r: r["missing"]).start_with("a").end_with("b"))
    with pytest.raises(TypeError) as info:
        bad(1).result()
    assert "Graph 'bad_condition': the condition of edge 'a' -> 'b' raised" in info.value.__notes__


# -- 004: the Pydra task bases --------------------------------------------------------------------

@python_task
def where(x):
    import os
    return os.environ["WHERE"], x


@python_task
def total(results):
    return sum(results)


def test_container_task(workflow):
    container = ContainerTask(multiply_by_two, add_three, square)
    assert container(4).result() == 121
    assert container(multiply_by_two(2)).result() == 121, "the input may be a future"
    assert ContainerTask(container, add_three)(4, executor=["b"]).result() == 124


def test_parallel_task(workflow):
    split = ParallelTask(timed, divide=lambda n: [f"unit{i}" for i in range(n)])
    results = split(3, executor=["a"]).result()
    assert [r[0] for r in results] == ["unit0", "unit1", "unit2"]
    assert overlap(*[r[1:] for r in results])
    summed = ParallelTask(multiply_by_two, divide=range, combine=sum)
    assert summed(5).result() == 20
    assert summed(add_three(2)).result() == 20, "divide runs once the input future has its result"
    assert ParallelTask(where)([1, 2], executor=["b"]).result() == [("b", 1), ("b", 2)]


def test_map_reduce_task(workflow):
    mapreduce = MapReduceTask(multiply_by_two, total)
    assert mapreduce([0, 1, 2, 3]).result() == 12
    chunked = MapReduceTask(ParallelTask(multiply_by_two, combine=sum), ContainerTask(total, square),
                            divide=lambda n: [range(i, i + 2) for i in range(0, n, 2)])
    assert chunked(6).result() == (2 * sum(range(6))) ** 2, "mapper and reducer may be any base"
    with pytest.raises(KeyError) as info:
        MapReduceTask(boom, total)([1]).result()
    assert "MapReduceTask(boom, total): the mapper failed on work unit 0" in info.value.__notes__


def test_three_deep_on_two_resources(workflow):
    """A ContainerTask of a MapReduceTask of a ParallelTask; the ParallelTask chose resource b, the
    executor given at the call (a) applies to everything else."""
    inner = functools.partial(ParallelTask(where, divide=lambda x: [x, x + 1]), executor=["b"])
    flatten = python_task(_flatten)
    nested = ContainerTask(multiply_by_two, MapReduceTask(inner, flatten, divide=lambda x: range(x)), where)
    site, mapped = nested(2, executor=["a"]).result()
    assert site == "a"
    assert mapped == [("a", "b", 0), ("a", "b", 1), ("a", "b", 1), ("a", "b", 2), ("a", "b", 2), ("a", "b", 3),
                      ("a", "b", 3), ("a", "b", 4)]


def _flatten(groups):
    import os
    return [(os.environ["WHERE"], site, x) for group in groups for site, x in group]


# -- bad input ------------------------------------------------------------------------------------

def plain(x):
    return x


def test_bad_input_is_refused_before_submission(workflow):
    with pytest.raises(TypeError, match="pipeline: stage 2 must be a task .* got function .*; decorate the "
                                        "function with @python_task"):
        pipeline(multiply_by_two, plain, input=1)
    with pytest.raises(ValueError, match="pipeline: needs at least one task"):
        pipeline(input=1)
    with pytest.raises(TypeError, match="parallel: argument 0 must be a future .*call the task"):
        parallel(say_hi)
    with pytest.raises(TypeError, match="ContainerTask: task 1 must be a task .*pass the task itself"):
        ContainerTask(say_hi("x"))
    with pytest.raises(TypeError, match="MapReduceTask: the reducer must be a task"):
        MapReduceTask(multiply_by_two, sum)
    with pytest.raises(TypeError, match="ParallelTask: divide must be a plain function"):
        ParallelTask(multiply_by_two, divide=multiply_by_two)
    with pytest.raises(TypeError, match=r"ParallelTask\(multiply_by_two\): divide returned int 3, not an iterable"):
        ParallelTask(multiply_by_two, divide=len)("abc")
    with pytest.raises(TypeError, match=r"multiply_by_two\.map: argument 0 is a int, not an iterable"):
        multiply_by_two.map(3)
    graph = Graph("g").add_node("a", say_hi)
    with pytest.raises(ValueError, match="Graph 'g': edge 'a' -> 'zz' names unknown node 'zz'"):
        graph.add_edge("a", "zz")
    with pytest.raises(ValueError, match="Graph 'g': duplicate node 'a'"):
        graph.add_node("a", say_hello)
    with pytest.raises(ValueError, match="Graph 'g': no start node"):
        graph(1)
    graph.add_node("b", say_hello).add_edge("a", "b").add_edge("b", "a").start_with("a").end_with("b")
    with pytest.raises(ValueError, match="Graph 'g': the edges form a cycle: a -> b -> a"):
        graph(1)
    tasks_before = workflow.dfk.task_count
    with pytest.raises(ValueError, match="Graph 'h': end node 'c' is not reachable from the start node 'a'"):
        (Graph("h").add_node("a", say_hi).add_node("c", say_hi).start_with("a").end_with("c"))(1)
    assert workflow.dfk.task_count == tasks_before, "nothing was submitted"


# -- the workflow waits for patterns ---------------------------------------------------------------

@bash_task
def touch(path):
    return f"sleep 0.5; touch {path}"


def test_wait_for_current_tasks_covers_later_submissions(workflow, tmp_path):
    """ParallelTask submits its tasks only once its input arrives; the workflow knows it is pending."""
    paths = [str(tmp_path / f"f{i}") for i in range(3)]
    future = ParallelTask(touch)(later(paths, 0.5))
    workflow.wait_for_current_tasks()
    assert future.done() and future.result() == [0, 0, 0]
    assert all((tmp_path / f"f{i}").exists() for i in range(3))


@python_task
def later(value, seconds):
    import time
    time.sleep(seconds)
    return value


def test_calls_do_not_block(workflow):
    """Calling a pattern on a pending future returns at once: the input is still pending after."""
    slow = later([1, 2], 2)
    futures = [ParallelTask(where)(slow, executor=["a"]), MapReduceTask(multiply_by_two, total)(slow),
               ContainerTask(total)(slow), Graph("wait").add_node("t", total).start_with("t").end_with("t")(slow)]
    assert not slow.done()
    assert [f.result() for f in futures] == [[("a", 1), ("a", 2)], 6, 3, 3]
