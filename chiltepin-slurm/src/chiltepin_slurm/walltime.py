"""Walltime strings: ``HH:MM:SS`` or ``D-HH:MM:SS``, checked when the configuration is read."""

from __future__ import annotations

import re

FORMS = "HH:MM:SS or D-HH:MM:SS"
PATTERN = r"(?:([0-9]+)-)?([0-9]+):([0-9]{2}):([0-9]{2})"


def seconds(text: str) -> int:
    """The length of a walltime in seconds; ValueError saying what is wrong otherwise."""
    match = re.fullmatch(PATTERN, text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a walltime in the form {FORMS} (e.g. 01:30:00 or 2-00:00:00)")
    days, hours, minutes, secs = (int(g) if g else 0 for g in match.groups())
    if minutes > 59 or secs > 59:
        raise ValueError(f"{text!r}: minutes and seconds must be 00-59")
    if match.group(1) is not None and hours > 23:
        raise ValueError(f"{text!r}: with days given, hours must be 00-23")
    total = ((days * 24 + hours) * 60 + minutes) * 60 + secs
    if total == 0:
        raise ValueError(f"{text!r}: a walltime must be longer than zero")
    return total


def problem(text: str) -> str | None:
    """A Setting check: None for a valid walltime, else the reason."""
    try:
        seconds(text)
    except ValueError as exc:
        return str(exc)
    return None


def hms(text: str, *, whole_minutes: bool = False) -> str:
    """The walltime as ``H:MM:SS`` with hours past 24 (what Parsl's providers expect).

    ``whole_minutes`` rounds up to a full minute: Slurm counts in minutes, and Parsl would send a
    walltime under one minute as ``--time=0``, which Slurm reads as "no limit".
    """
    total = seconds(text)
    if whole_minutes:
        total = -(-total // 60) * 60
    hours, rest = divmod(total, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
