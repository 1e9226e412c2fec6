"""Core's block launchers: ``simple`` (one command per block) and ``single-node``."""

from __future__ import annotations

from ..records import LauncherSpec, ResolvedResource


def _simple(resource: ResolvedResource):
    from parsl.launchers import SimpleLauncher

    return SimpleLauncher()


def _single_node(resource: ResolvedResource):
    from parsl.launchers import SingleNodeLauncher

    return SingleNodeLauncher()


SIMPLE = LauncherSpec("simple", _simple, description="Run the worker command once per block, as is.")
SINGLE_NODE = LauncherSpec("single-node", _single_node,
                           description="Run one worker pool per node of the block, on the block's first node.")
