"""Core's block launchers: ``simple`` (one command per block) and ``single-node``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import LauncherSpec, ResolvedResource

if TYPE_CHECKING:
    from parsl.launchers import SimpleLauncher, SingleNodeLauncher


def _simple(resource: ResolvedResource) -> SimpleLauncher:
    from parsl.launchers import SimpleLauncher

    return SimpleLauncher()


def _single_node(resource: ResolvedResource) -> SingleNodeLauncher:
    from parsl.launchers import SingleNodeLauncher

    return SingleNodeLauncher()


SIMPLE = LauncherSpec("simple", _simple, description="Run the worker command once per block, as is.")
SINGLE_NODE = LauncherSpec("single-node", _single_node,
                           description="Run one worker pool per node of the block, on the block's first node.")
