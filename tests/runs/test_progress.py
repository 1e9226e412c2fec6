"""Progress rendering: the live view on rich's fixed-size recording console, the plain line
format, the display threads, and the workflow option."""

from __future__ import annotations

import io
import re
import time

from chiltepin import Workflow
from chiltepin.runs.progress import _Display, plain_line, render, start_progress
from chiltepin.tasks import python_task
from rich.console import Console

SNAPSHOT = ({"compute": {"pending": 3, "running": 2, "done": 4, "failed": 1}, "local": {"done": 2}},
            [("compute", "0", "4711", "running"), ("compute", "1", None, "pending"), ("local", "0", "99", "completed")])
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_live_view_on_a_fixed_size_console():
    console = Console(width=90, height=20, record=True, file=io.StringIO(), color_system=None)
    console.print(render(SNAPSHOT, 3725))
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0] == "chiltepin  01:02:05"
    header = lines[1].split()
    assert header == ["resource", "pending", "running", "done", "failed"]
    compute = lines[2].split()
    assert compute[0] == "compute" and compute[-4:] == ["3", "2", "4", "1"]
    local = lines[3].split()
    assert local[0] == "local" and local[-4:] == ["0", "0", "2", "0"]
    assert lines[4] == "blocks: compute/0 job 4711 running, compute/1 pending, local/0 job 99 completed"
    assert all(len(line) <= 90 for line in lines)


def test_bar_shows_the_finished_share():
    console = Console(width=90, record=True, file=io.StringIO(), color_system="truecolor")
    console.print(render(({"compute": {"done": 1, "pending": 1}}, []), 0))
    assert "━" in console.export_text()


def test_plain_line_format():
    assert plain_line(SNAPSHOT, 65) == (
        "chiltepin 00:01:05 | compute: 3 pending, 2 running, 4 done, 1 failed | local: 0 pending, 0 running, "
        "2 done, 0 failed | blocks: compute/0 job 4711 running, compute/1 pending")
    assert plain_line(({}, []), 0) == "chiltepin 00:00:00"


def test_plain_display_prints_whole_lines_until_stopped_and_a_last_one():
    stream = io.StringIO()
    display = _Display(lambda: SNAPSHOT, time.time(), 0.05, live=False, stream=stream).start()
    time.sleep(0.3)
    display.stop()
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3
    assert all(re.fullmatch(r"chiltepin \d\d:\d\d:\d\d \| compute: .* \| blocks: .*", line) for line in lines)


def test_live_display_puts_user_output_above_it_not_through_it():
    stream = io.StringIO()
    display = _Display(lambda: SNAPSHOT, time.time(), 1.0, live=True, stream=stream).start()
    assert display.showing.wait(30)
    for i in range(3):
        print(f"user line {i} from the workflow's own code")
        time.sleep(0.1)
    display.stop()
    lines = [line.rstrip() for line in re.split(r"[\r\n]", ANSI.sub("", stream.getvalue()))]
    for i in range(3):  # each a line of its own, whole
        assert f"user line {i} from the workflow's own code" in lines
    assert "compute/0 job 4711 running" in [line for line in lines if line][-1]


def test_auto_mode_is_plain_when_not_a_terminal_and_off_means_none():
    stream = io.StringIO()
    display = start_progress("auto", lambda: SNAPSHOT, time.time(), 10, stream)
    assert display is not None and display.live is False
    display.stop()
    assert start_progress("off", lambda: SNAPSHOT, time.time(), 10, stream) is None


@python_task
def double(x):
    return 2 * x


def test_workflow_prints_plain_progress_lines(tmp_path, capsys):
    config = {"workflow": {"progress": "plain", "progress_interval": 0.2},
              "compute": {"provider": "localhost", "executor": "htex", "max_workers_per_node": 1, "init_blocks": 1}}
    with Workflow(config, run_dir=str(tmp_path / "runinfo")):
        assert [f.result(timeout=120) for f in [double(i, executor="compute") for i in range(3)]] == [0, 2, 4]
    lines = capsys.readouterr().err.splitlines()
    progress = [line for line in lines if line.startswith("chiltepin ")]
    assert progress, lines
    assert "compute: 0 pending, 0 running, 3 done, 0 failed" in progress[-1]
