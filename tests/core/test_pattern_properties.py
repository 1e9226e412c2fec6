"""Rules of the patterns that hold for all inputs (hypothesis): ``task.map`` is the builtin map of
the task's function, a pipeline is function composition (both on real local HTEX workers, few
examples), and Graph validation refuses exactly the graphs with a cycle or an unreachable end."""

from __future__ import annotations

import pytest
from chiltepin import Graph, Workflow, pipeline
from chiltepin.tasks import python_task
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FEW = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    with Workflow({"htex": {"max_workers_per_node": 2, "init_blocks": 1}},
                  run_dir=str(tmp_path_factory.mktemp("properties") / "runinfo")) as wf:
        yield wf


@python_task
def affine(x):
    return 3 * x - 1


@python_task
def combine(x, y):
    return x * 10 + y


@python_task
def double(x):
    return 2 * x


@python_task
def negate(x):
    return -x


@python_task
def increment(x):
    return x + 1


STAGES = {"double": double, "negate": negate, "increment": increment}


@FEW
@given(st.lists(st.integers(-10**6, 10**6), max_size=30))
def test_map_is_the_builtin_map(workflow, items):
    assert affine.map(items).result() == list(map(affine.func, items))


@FEW
@given(st.lists(st.integers(-99, 99), max_size=12), st.lists(st.integers(-99, 99), max_size=12))
def test_map_over_several_iterables_stops_at_the_shortest(workflow, xs, ys):
    assert combine.map(xs, ys, executor="htex").result() == list(map(combine.func, xs, ys))


@FEW
@given(st.lists(st.sampled_from(sorted(STAGES)), min_size=1, max_size=8), st.integers(-1000, 1000))
def test_pipeline_is_composition(workflow, names, value):
    expected = value
    for name in names:
        expected = STAGES[name].func(expected)
    assert pipeline(*[STAGES[n] for n in names], input=value).result() == expected


# -- Graph validation (no workers needed: validation happens before anything is submitted) --------

def _graph(n, edges, ends):
    graph = Graph("generated")
    for node in range(n):
        graph.add_node(f"n{node}", double)
    for src, dst in edges:
        graph.add_edge(f"n{src}", f"n{dst}")
    graph.start_with("n0")
    for end in ends:
        graph.end_with(f"n{end}")
    return graph


def _is_acyclic(n, edges):
    """Kahn's algorithm (a different method from the one Graph uses)."""
    indegree = [0] * n
    for _, dst in edges:
        indegree[dst] += 1
    ready = [v for v in range(n) if indegree[v] == 0]
    removed = 0
    while ready:
        v = ready.pop()
        removed += 1
        for src, dst in edges:
            if src == v:
                indegree[dst] -= 1
                if indegree[dst] == 0:
                    ready.append(dst)
    return removed == n


def _reachable_from_start(n, edges):
    """Transitive closure by Floyd-Warshall."""
    reach = [[i == j for j in range(n)] for i in range(n)]
    for src, dst in edges:
        reach[src][dst] = True
    for k in range(n):
        for i in range(n):
            for j in range(n):
                reach[i][j] = reach[i][j] or (reach[i][k] and reach[k][j])
    return {j for j in range(n) if reach[0][j]}


@st.composite
def graphs(draw, acyclic=False):
    n = draw(st.integers(1, 7))
    pairs = [(i, j) for i in range(n) for j in range(n) if not acyclic or i < j]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=12)) if pairs else []
    ends = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
    return n, edges, ends


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_validation_refuses_cycles_and_unreachable_ends(spec):
    n, edges, ends = spec
    acyclic = _is_acyclic(n, edges)
    reachable = _reachable_from_start(n, edges)
    graph = _graph(n, edges, ends)
    if acyclic and all(e in reachable for e in ends):
        assert graph.validate() is graph
    else:
        with pytest.raises(ValueError, match="Graph 'generated': " + ("the edges form a cycle" if not acyclic
                                                                       else "end node 'n\\d' is not reachable")):
            graph.validate()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(acyclic=True))
def test_validation_accepts_every_dag_whose_ends_are_reachable(spec):
    n, edges, ends = spec
    reachable = _reachable_from_start(n, edges)
    graph = _graph(n, edges, [e for e in ends if e in reachable] or [0])
    assert graph.validate() is graph
