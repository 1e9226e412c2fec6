"""Workflow-level options, settable from Python (``Workflow(..., retries=2)``) and from the
``workflow:`` block of the configuration file; Python wins."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError, did_you_mean
from ..settings import Bool, Choice, Float, Int, Setting, Str, check_values

WALLTIME = r"\d+:\d{2}:\d{2}"

WORKFLOW_SETTINGS: tuple[Setting, ...] = (
    Setting("run_dir", Str(), "runinfo", "Directory for Parsl's run records, logs and checkpoints."),
    Setting("retries", Int(minimum=0), 0, "How often a failed task is retried before its future fails."),
    Setting("checkpoint_mode", Choice(("task_exit", "periodic", "dfk_exit", "manual")), None,
            "When finished task results are checkpointed; enables memoization of every task."),
    Setting("checkpoint_period", Str(WALLTIME, "HH:MM:SS"), None, "Interval for checkpoint_mode: periodic."),
    Setting("resume", Bool(), False, "Load every checkpoint under run_dir, so finished tasks are not run again."),
    Setting("strategy_period", Float(above=0), 0.2, "Seconds between scaling decisions (Parsl strategy "
            "period); short means blocks start and the first result arrives sooner."),
    Setting("max_idletime", Float(above=0), 120.0, "Seconds a block may idle before it is scaled in."),
    Setting("usage_tracking", Int(minimum=0, maximum=3), 0, "Parsl usage tracking level; 0 (off) by default."),
    Setting("exit_mode", Choice(("cleanup", "wait", "skip")), "cleanup", "What leaving the `with` block does: "
            "'cleanup' stops everything, 'wait' first waits for submitted tasks (unless an exception is leaving), "
            "'skip' leaves the workflow running (cleanup() later, or at interpreter exit)."),
    Setting("log_file", Str(), None, "Write Parsl's log to this file as well."),
    Setting("log_level", Choice(("DEBUG", "INFO", "WARNING", "ERROR")), None, "Level for log_file (INFO)."),
    Setting("run_db", Bool(), True, "Record the run (tasks, attempts, blocks) in <run_dir>/NNN/chiltepin.db, "
            "read by chiltepin status, dag, report and dashboard."),
    Setting("progress", Choice(("auto", "live", "plain", "off")), "auto", "Progress while the workflow runs: "
            "auto is a live display on a terminal and a plain line every progress_interval seconds otherwise."),
    Setting("progress_interval", Float(above=0), 30.0, "Seconds between plain progress lines."),
    Setting("monitoring", Bool(), False, "Also run Parsl's resource monitoring (CPU and memory per task, "
            "<run_dir>/monitoring.db); it costs throughput, see 'Observing a run'."),
    Setting("monitoring_interval", Float(above=0), 30.0, "Seconds between resource samples when monitoring."),
)


def resolve_options(from_file: Mapping[str, Any], from_python: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and merge workflow options (Python over file over defaults)."""
    settings = {s.name: s for s in WORKFLOW_SETTINGS}
    merged = {**from_file, **{k: v for k, v in from_python.items() if v is not None}}
    options, problems = check_values(
        "workflow", merged, settings, owner="workflow",
        unknown=lambda key: f"workflow.{key}: unknown workflow option{did_you_mean(key, settings)}; "
                            f"options: {', '.join(settings)}")
    if options["checkpoint_mode"] == "periodic" and not options["checkpoint_period"]:
        problems.append("workflow.checkpoint_period: required when checkpoint_mode is 'periodic' (HH:MM:SS)")
    if problems:
        raise ConfigError(problems)
    return options
