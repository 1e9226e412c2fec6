"""The examples of the upstream tasks chapter (shared/seeds/000_...txt), run as written on real
local workers. MPI examples live in tests/mpi, data-transfer examples in tests/data and tests/globus.

The resources the chapter names (compute, my-resource, backup-compute, local) are local HTEX
resources here. Deviations from the text are marked: the network (git clone) is unavailable.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import TimeoutError

import pytest
from chiltepin import Workflow
from chiltepin.tasks import bash_task, join_task, python_task
from parsl.app.errors import BashExitFailure

CONFIG = {
    "local": {"max_workers_per_node": 2, "init_blocks": 1},
    "compute": {"max_workers_per_node": 2, "init_blocks": 1},
    "my-resource": {"max_workers_per_node": 1},
    "backup-compute": {"max_workers_per_node": 1},
    "slow": {"max_workers_per_node": 1},
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """The chapter's relative paths assume workers share the workflow's working directory, as local
    workers do: enter it before the workflow starts its workers."""
    path = tmp_path_factory.mktemp("spec")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(path)
        yield path


@pytest.fixture(scope="module")
def workflow(workdir):
    with Workflow(CONFIG, run_dir=str(workdir / "runinfo")) as wf:
        yield wf


@pytest.fixture
def in_tmp(workdir):
    return workdir


# -- Python tasks ------------------------------------------------------------------------------

@python_task
def hello_world():
    return "Hello from a Chiltepin task!"


@python_task
def add_numbers(a, b, multiply_by=1):
    return (a + b) * multiply_by


@python_task
def get_hostname():
    import platform
    return platform.node()


@python_task
def get_list(n):
    return list(range(n))


@python_task
def get_dict(key, value):
    return {key: value}


@python_task
def get_dataframe():
    import pandas as pd
    return pd.DataFrame({'a': [1, 2, 3], 'b': [4, 5, 6]})


@python_task
def process_data(filename):
    import numpy as np
    import pandas as pd
    df = pd.read_csv(filename)
    return np.mean(df['values'])


def test_python_tasks(workflow, in_tmp):
    import platform

    future = hello_world(executor=["my-resource"])
    assert future.result() == "Hello from a Chiltepin task!"
    assert add_numbers(5, 3, executor=["compute"]).result() == 8
    assert add_numbers(5, 3, multiply_by=2, executor=["compute"]).result() == 16
    assert get_hostname(executor=["compute"]).result() == platform.node()
    assert get_list(5, executor=["local"]).result() == [0, 1, 2, 3, 4]
    assert get_dict("temperature", 72.5, executor=["local"]).result() == {"temperature": 72.5}
    df = get_dataframe(executor=["compute"]).result()
    assert list(df["b"]) == [4, 5, 6]
    (in_tmp / "values.csv").write_text("values\n1\n2\n6\n")
    assert process_data(str(in_tmp / "values.csv"), executor=["compute"]).result() == 3.0


# -- Bash tasks --------------------------------------------------------------------------------

@bash_task
def echo_hello():
    return "echo 'Hello from bash!'"


@bash_task
def process_file(input_file, output_file):
    return f"cat {input_file} | sort | uniq > {output_file}"


@bash_task
def get_hostname_bash():
    return "hostname"


@bash_task
def risky_command():
    return "some_command_that_might_fail"


@bash_task
def setup_and_run(workdir):
    # As in the chapter, minus the `git clone` (no network here): same shape, local steps.
    return f"""
mkdir -p {workdir}
cd {workdir}
printf 'all:\\n\\techo built > artifact\\n' > Makefile
make
cat artifact
"""


def test_bash_tasks(workflow, in_tmp):
    from parsl.app.errors import BashExitFailure

    future = echo_hello(executor=["my-resource"])
    exit_code = future.result()
    assert exit_code == 0
    (in_tmp / "data.txt").write_text("b\na\nb\nc\n")
    assert process_file("data.txt", "sorted.txt", executor=["compute"]).result() == 0
    assert (in_tmp / "sorted.txt").read_text() == "a\nb\nc\n"

    future = get_hostname_bash(executor=["compute"], stdout="hostname_output.txt")
    assert future.result() == 0
    with open("hostname_output.txt") as f:
        hostname = f.read().strip()
    assert hostname == os.uname().nodename

    future = risky_command(executor=["compute"], stdout="output.txt", stderr="errors.txt")
    with pytest.raises(BashExitFailure):
        future.result()
    assert "some_command_that_might_fail" in (in_tmp / "errors.txt").read_text()

    assert setup_and_run(str(in_tmp / "work"), executor=["compute"], stdout="build.out").result() == 0
    assert (in_tmp / "build.out").read_text().strip().endswith("built")


# -- Join tasks --------------------------------------------------------------------------------

@python_task
def multiply(x, factor):
    return x * factor


@python_task
def add_values(*values):
    return sum(values)


@join_task
def process_list(values, factor):
    futures = [multiply(v, factor, executor=["compute"]) for v in values]
    return add_values(*futures, executor=["compute"])


@bash_task
def process_one(filepath):
    return f"test -s {filepath}"


@python_task
def check_all_success(exit_codes):
    return all(code == 0 for code in exit_codes)


@join_task
def process_all_files(file_list):
    futures = [process_one(f, executor=["compute"]) for f in file_list]
    return check_all_success(futures, executor=["local"])


@bash_task
def compile_code():
    return "gcc -o myapp myapp.c"


@bash_task
def run_app(input_file):
    return f"./myapp {input_file}"


@python_task
def parse_results(output_file):
    with open(output_file) as f:
        return float(f.read().strip())


@join_task
def compile_and_run(input_file):
    compile_future = compile_code(executor=["compute"])
    compile_future.result()
    run_future = run_app(input_file, executor=["compute"], stdout="output.txt")
    run_future.result()
    return parse_results("output.txt", executor=["local"])


def test_join_tasks(workflow, in_tmp):
    assert process_list([1, 2, 3], 2).result() == 12
    files = ["data1.txt", "data2.txt", "data3.txt"]
    for name in files:
        (in_tmp / name).write_text("x\n")
    assert process_all_files(files).result() is True
    (in_tmp / "data3.txt").write_text("")
    # A failing bash task fails its future, so the reduction fails with it and says which task.
    with pytest.raises(Exception) as failed:
        process_all_files(files).result()
    cause = failed.value.__cause__
    assert "upstream task process_one" in str(cause) and "exit code 1" in str(cause)
    assert isinstance(cause.root, BashExitFailure)


def test_join_compiles_and_runs_c(workflow, in_tmp):
    (in_tmp / "myapp.c").write_text(
        '#include <stdio.h>\n#include <stdlib.h>\n'
        'int main(int c, char **v) { FILE *f = fopen(v[1], "r"); double x; fscanf(f, "%lf", &x);'
        ' printf("%.1f\\n", x * 2); return 0; }\n')
    (in_tmp / "input.dat").write_text("21\n")
    assert compile_and_run("input.dat").result() == 42.0


# -- Methods -----------------------------------------------------------------------------------

class DataProcessor:
    def __init__(self, config):
        self.config = config

    @python_task
    def load_data(self, filename):
        import pandas as pd
        return pd.read_csv(filename, **self.config.get("read", {}))

    @python_task
    def transform_data(self, df):
        if self.config.get('normalize'):
            return (df - df.mean()) / df.std()
        return df

    @bash_task
    def export_data(self, output_file):
        format_type = self.config.get('export_format', 'csv')
        return f"echo format={format_type} > {output_file}"


def test_methods(workflow, in_tmp):
    (in_tmp / "input.csv").write_text("v\n1\n2\n3\n")
    processor = DataProcessor({'normalize': True, 'export_format': 'json'})
    data = processor.load_data("input.csv", executor=["compute"]).result()
    transformed = processor.transform_data(data, executor=["compute"]).result()
    assert list(transformed["v"]) == [-1.0, 0.0, 1.0]
    assert processor.export_data("output.json", executor=["compute"]).result() == 0
    assert (in_tmp / "output.json").read_text() == "format=json\n"


# -- Resources, futures, errors ------------------------------------------------------------------

@python_task
def my_task():
    return "result"


@python_task
def compute_value():
    import time
    time.sleep(2)
    return 42


@python_task
def failing_task():
    raise ValueError("Something went wrong!")


@python_task
def long_task():
    import time
    time.sleep(100)
    return "done"


def test_resource_choice(workflow):
    assert my_task(executor=["compute"]).result() == "result"
    assert my_task(executor=["compute", "backup-compute"]).result() == "result"
    assert my_task().result() == "result"
    executors = {workflow.tasks[f.tid]["executor"] for f in [my_task(executor=["backup-compute"])]}
    assert executors == {"backup-compute"}


def test_futures(workflow):
    future = compute_value(executor=["compute"])
    assert not future.done()
    assert future.result() == 42 and future.done()
    futures = [compute_value(executor=["compute"]) for _ in range(4)]
    assert [f.result() for f in futures] == [42] * 4
    with pytest.raises(ValueError, match="Something went wrong!"):
        failing_task(executor=["compute"]).result()


def test_timeout(workflow):
    future = long_task(executor=["slow"])
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        future.result(timeout=1)
    assert time.monotonic() - start < 30


def run_with_retry(task_func, *args, max_retries=3, **kwargs):
    for attempt in range(max_retries):
        try:
            future = task_func(*args, **kwargs)
            return future.result()
        except Exception:
            if attempt == max_retries - 1:
                raise


@python_task
def flaky(counter_file):
    import os
    count = int(open(counter_file).read()) if os.path.exists(counter_file) else 0
    with open(counter_file, "w") as f:
        f.write(str(count + 1))
    if count < 2:
        raise RuntimeError(f"attempt {count} failed")
    return count


def test_retry_helper(workflow, in_tmp):
    assert run_with_retry(flaky, str(in_tmp / "n"), executor=["compute"]) == 2


# -- Files, data, environment, dependencies ------------------------------------------------------

@python_task
def upper_file(input_path, output_path):
    with open(input_path) as f:
        data = f.read()
    processed = data.upper()
    with open(output_path, 'w') as f:
        f.write(processed)
    return output_path


@python_task
def generate_data(n):
    return list(range(n))


@python_task
def sum_data(data):
    return sum(data)


@python_task
def get_user():
    import os
    return os.environ.get('USER', 'unknown')


@bash_task
def get_user_bash():
    return "echo ${USER:-unknown}"


@python_task
def step1():
    return "result1"


@python_task
def step2(input_data):
    return f"processed_{input_data}"


@python_task
def step3(input_data):
    return f"final_{input_data}"


@python_task
def task_a():
    return "data_a"


@python_task
def task_b():
    return "data_b"


@python_task
def task_c(marker):
    import time
    time.sleep(0.5)
    open(marker, "w").close()


@python_task
def combine(data1, data2, marker=None):
    import os
    assert os.path.exists(marker), "combine ran before task_c finished"
    return f"{data1}_{data2}"


def test_files_data_environment(workflow, in_tmp):
    (in_tmp / "in.txt").write_text("abc")
    out = upper_file(str(in_tmp / "in.txt"), str(in_tmp / "out.txt"), executor=["compute"]).result()
    assert open(out).read() == "ABC"
    assert sum_data(generate_data(100, executor=["compute"]), executor=["compute"]).result() == 4950
    assert get_user(executor=["compute"]).result() == os.environ.get("USER", "unknown")
    assert get_user_bash(executor=["compute"], stdout="user.txt").result() == 0
    assert (in_tmp / "user.txt").read_text().strip() == os.environ.get("USER", "unknown")


def test_dependencies(workflow, in_tmp):
    future1 = step1(executor=["compute"])
    future2 = step2(future1, executor=["compute"])
    future3 = step3(future2, executor=["compute"])
    assert future3.result() == "final_processed_result1"
    marker = str(in_tmp / "c-done")
    a = task_a(executor=["compute"])
    b = task_b(executor=["compute"])
    c = task_c(marker, executor=["compute"])
    assert combine(a, b, marker=marker, executor=["compute"], inputs=[c]).result() == "data_a_data_b"


# -- Patterns ------------------------------------------------------------------------------------

@python_task
def map_task(item):
    return item ** 2


@python_task
def reduce_task(results):
    return sum(results)


@join_task
def map_reduce(items):
    futures = [map_task(item, executor=["compute"]) for item in items]
    return reduce_task(futures, executor=["compute"])


@python_task
def stage1(data):
    return data * 2


@python_task
def stage2(data):
    return data + 10


@python_task
def stage3(data):
    return data ** 2


@python_task
def run_experiment(param1, param2):
    result = param1 * param2
    return {"params": (param1, param2), "result": result}


def test_patterns(workflow):
    assert map_reduce([1, 2, 3, 4, 5]).result() == 55
    data1 = stage1(5, executor=["compute"])
    data2 = stage2(data1, executor=["compute"])
    assert stage3(data2, executor=["compute"]).result() == 400
    futures = [run_experiment(p1, p2, executor=["compute"]) for p1 in [1, 2, 3] for p2 in [10, 20, 30]]
    results = [f.result() for f in futures]
    assert [r["result"] for r in results] == [10, 20, 30, 20, 40, 60, 30, 60, 90]
