"""A third-party executor backend through chiltepin_executor_backends, run in a real workflow."""

from __future__ import annotations

from chiltepin import Workflow
from chiltepin.config import load_document, resolve_all
from chiltepin.plugins import ExecutorBackend, Int, Setting, get_plugin_manager, hookimpl
from chiltepin.tasks import python_task


def _build_threads(resource, provider):
    from parsl.executors import ThreadPoolExecutor

    assert provider is None
    return ThreadPoolExecutor(label=resource.name, max_threads=resource.get("pool_threads"))


class Threads:
    @hookimpl
    def chiltepin_executor_backends(self):
        return [ExecutorBackend(name="pool-test", build=_build_threads, selected_by="pool_threads",
                                needs_provider=False,
                                settings=(Setting("pool_threads", Int(minimum=1), 2, "Threads in the pool."),),
                                description="Run tasks in threads of the workflow process.")]


@python_task
def where():
    import os
    import threading

    return os.getpid(), threading.current_thread().name


def test_selected_by_key_picks_the_backend_and_it_runs(chiltepin_register_plugin, tmp_path):
    import os

    chiltepin_register_plugin(Threads())
    resources = resolve_all(load_document({"pool": {"pool_threads": 3}, "named": {"executor": "pool-test"}}),
                            get_plugin_manager())
    assert (resources["pool"].backend, resources["pool"].provider, resources["pool"].get("pool_threads")) == \
        ("pool-test", None, 3)
    assert resources["named"].get("pool_threads") == 2
    with Workflow({"pool": {"pool_threads": 3}}, include=["pool"], run_dir=str(tmp_path)):
        pid, thread = where(executor="pool").result(timeout=60)
    assert pid == os.getpid() and thread != "MainThread"
