"""What the workflow starts and stops to observe a run: the recorder and the progress display,
and Parsl's resource monitoring when ``monitoring: true``."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError

logger = logging.getLogger(__name__)


class Observer:
    """The recorder and progress display of one running workflow."""

    def __init__(self, recorder: Any, display: Any):
        self.recorder, self.display = recorder, display

    def stop(self) -> None:
        """Flush and close the run database, then stop the display (its last view is final)."""
        self.recorder.stop()
        if self.display is not None:
            self.display.stop()


def start_observing(dfk: Any, resources: Mapping[str, Any], options: Mapping[str, Any]) -> Observer | None:
    """Start recording and progress as the workflow options say; None when both are off.

    A database that cannot be created (a read-only run_dir, say) is logged and skipped: observing
    must not stop the workflow itself.
    """
    if not options["run_db"] and options["progress"] == "off":
        return None
    from .progress import start_progress
    from .recorder import Recorder

    recorder = Recorder(dfk, resources, write_db=bool(options["run_db"]))
    try:
        recorder.start()
    except Exception as exc:
        logger.warning("cannot record the run in %s (%s); continuing without a run database", recorder.path, exc)
        recorder.stop()
        return None
    display = start_progress(options["progress"], recorder.snapshot, recorder.started, options["progress_interval"])
    return Observer(recorder, display)


def monitoring_hub(options: Mapping[str, Any]) -> Any:
    """Parsl's MonitoringHub for ``monitoring: true`` (its database is <run_dir>/monitoring.db)."""
    if importlib.util.find_spec("sqlalchemy") is None:
        raise ConfigError(["workflow.monitoring: Parsl's resource monitoring needs its extra; install it with "
                           "pip install 'parsl[monitoring]'"])
    from parsl.monitoring import MonitoringHub

    return MonitoringHub(resource_monitoring_interval=options["monitoring_interval"])
