"""The chiltepin_config_blocks hook: a plugin owns a top-level block, core checks it on reading."""

from __future__ import annotations

import pytest
from chiltepin import ConfigError
from chiltepin.cli.reference import config_schema
from chiltepin.config import load_document
from chiltepin.plugins import ConfigBlock, Int, PluginManager, Setting, Str, hookimpl, set_plugin_manager


class _Plugin:
    @hookimpl
    def chiltepin_config_blocks(self):
        return [ConfigBlock(name="notify", description="Where to send mail.", settings=(
            Setting("email", Str(), None, "Address to mail.", required=True),
            Setting("retries", Int(minimum=0), 2, "Attempts.")))]


@pytest.fixture
def with_block():
    manager = PluginManager(autoload=False)
    manager.register(_Plugin(), "notify")
    previous = set_plugin_manager(manager)
    yield manager
    set_plugin_manager(previous)


def test_block_is_checked_and_not_a_resource(with_block):
    document = load_document({"notify": {"email": "a@b"}, "compute": {"provider": "localhost"}})
    assert document.blocks == {"notify": {"email": "a@b", "retries": 2}}
    assert set(document.resources) == {"local", "compute"}


@pytest.mark.parametrize(("block", "message"), [
    ({"email": "a@b", "retires": 1}, r"notify\.retires: unknown key \(did you mean 'retries'\?\)"),
    ({"email": "a@b", "retries": -1}, r"notify\.retries: "),
    ({}, r"notify\.email: required by the 'notify' block"),
    ("yes", r"notify: expected a mapping"),
])
def test_block_mistakes_name_the_key(with_block, block, message):
    with pytest.raises(ConfigError, match=message):
        load_document({"notify": block})


def test_block_is_in_the_schema(with_block):
    schema = config_schema(with_block)
    assert schema["properties"]["notify"]["properties"]["retries"]["default"] == 2
