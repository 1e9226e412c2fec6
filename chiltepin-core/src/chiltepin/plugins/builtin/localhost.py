"""The ``localhost`` resource provider: blocks are processes on this machine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..common import BLOCK_SETTINGS, block_kwargs
from ..records import ResolvedResource, ResourceProvider

if TYPE_CHECKING:
    from parsl.launchers.base import Launcher
    from parsl.providers import LocalProvider


def _build(resource: ResolvedResource, launcher: Launcher | None) -> LocalProvider:
    from parsl.providers import LocalProvider

    return LocalProvider(launcher=launcher, nodes_per_block=1, **block_kwargs(resource))


LOCALHOST = ResourceProvider(
    name="localhost", build=_build, settings=BLOCK_SETTINGS, default_launcher="single-node", runs_locally=True,
    description="Run blocks of workers as processes on this machine (laptop, login node, tests).")
