"""Hook implementations of chiltepin-agents: the ``agents:`` block of the configuration file.

Loaded in every chiltepin process, so it imports no Academy code.
"""

from __future__ import annotations

from chiltepin.plugins import ConfigBlock, hookimpl

from .settings import AGENT_SETTINGS


@hookimpl
def chiltepin_config_blocks() -> list[ConfigBlock]:
    return [ConfigBlock(name="agents", settings=AGENT_SETTINGS,
                        description="Where agents run and the exchange they talk through (chiltepin-agents).")]
