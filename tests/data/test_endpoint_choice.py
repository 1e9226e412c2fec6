"""Which provider serves an endpoint: declaration, explicit provider=, or the single name resolver."""

from __future__ import annotations

import pytest
from chiltepin.data import resolve_endpoint, transfer
from chiltepin.errors import ConfigError, TransferError
from chiltepin.plugins import Setting, Str, TransferProvider, hookimpl


class Recorder:
    """A transfer provider that records its calls; stands in for a remote service."""

    calls: list = []

    def transfer(self, src, dst, src_path, dst_path, **kwargs):
        Recorder.calls.append(("transfer", dict(src), dict(dst), src_path, dst_path, kwargs))
        return True

    def delete(self, target, path, **kwargs):
        Recorder.calls.append(("delete", dict(target), path, kwargs))
        return True


def resolver_plugin(name, resolves_names=True):
    class Plugin:
        @hookimpl
        def chiltepin_transfer_providers(self):
            return [TransferProvider(name=name, build=Recorder, resolves_names=resolves_names,
                                     settings=(Setting("region", Str(), "us", "Where the data lives."),),
                                     description="test double")]
    return Plugin()


@pytest.fixture(autouse=True)
def _clear():
    Recorder.calls.clear()


def test_undeclared_name_goes_to_the_single_resolver(chiltepin_register_plugin):
    chiltepin_register_plugin(resolver_plugin("cloud"))
    assert transfer("dtn-a", "dtn-b", "/x", "/y", timeout=5, polling_interval=1, config={}) is True
    kind, src, dst, src_path, dst_path, kwargs = Recorder.calls[0]
    assert (src, dst) == ({"name": "dtn-a", "region": "us"}, {"name": "dtn-b", "region": "us"})
    assert kwargs == {"timeout": 5, "polling_interval": 1, "recursive": False}


def test_declared_settings_reach_the_provider_and_are_checked(chiltepin_register_plugin):
    chiltepin_register_plugin(resolver_plugin("cloud"))
    config = {"transfer_endpoints": {"dtn-a": {"provider": "cloud", "region": "eu"}}}
    transfer("dtn-a", "dtn-b", "/x", "/y", config=config)
    assert Recorder.calls[0][1] == {"name": "dtn-a", "region": "eu"}
    with pytest.raises(ConfigError, match=r"transfer_endpoints\.dtn-a\.region: expected a string, got int 3"):
        transfer("dtn-a", "dtn-b", "/x", "/y", config={"transfer_endpoints": {"dtn-a": {"provider": "cloud",
                                                                                         "region": 3}}})


def test_two_resolvers_need_an_explicit_provider(chiltepin_register_plugin):
    chiltepin_register_plugin(resolver_plugin("cloud"), "cloud")
    chiltepin_register_plugin(resolver_plugin("other"), "other")
    with pytest.raises(TransferError, match=r"endpoint 'dtn-a': .*several installed providers resolve names "
                                            r"\(cloud, other\); pass provider="):
        transfer("dtn-a", "dtn-b", "/x", "/y", config={})
    assert transfer("dtn-a", "dtn-b", "/x", "/y", provider="other", config={})


def test_explicit_provider_conflicting_with_declaration_is_named(chiltepin_register_plugin, tmp_path):
    chiltepin_register_plugin(resolver_plugin("cloud"))
    config = {"transfer_endpoints": {"a": {"provider": "local", "path": str(tmp_path)}}}
    with pytest.raises(ConfigError, match=r"transfer_endpoints\.a\.provider: the endpoint is declared for provider "
                                          r"'local' but provider='cloud' was asked for"):
        transfer("a", "b", "/x", "/y", provider="cloud", config=config)
    with pytest.raises(TransferError, match=r"provider=: transfer provider 'nope' is not available"):
        transfer("a", "b", "/x", "/y", provider="nope", config=config)


def test_endpoints_of_different_providers_are_refused(chiltepin_register_plugin, tmp_path):
    chiltepin_register_plugin(resolver_plugin("cloud"))
    config = {"transfer_endpoints": {"a": {"provider": "local", "path": str(tmp_path)}}}
    with pytest.raises(TransferError, match=r"no transfer provider serves both endpoints: 'a' is served by 'local' "
                                            r"and 'dtn' by 'cloud'"):
        transfer("a", "dtn", "/x", "/y", config=config)
    assert Recorder.calls == []


def test_local_needs_a_declaration(chiltepin_plugin_manager):
    with pytest.raises(TransferError, match=r"endpoint 'scratch': not declared under transfer_endpoints, and "
                                            r"transfer provider 'local' needs its settings \(path\)"):
        resolve_endpoint("scratch", provider="local", declarations={"scrach": {}})


def test_provider_returning_false_is_an_error(chiltepin_register_plugin):
    class Failing(Recorder):
        def transfer(self, *args, **kwargs):
            return False

    class Plugin:
        @hookimpl
        def chiltepin_transfer_providers(self):
            return [TransferProvider(name="flaky", build=Failing, resolves_names=True, description="test double")]

    chiltepin_register_plugin(Plugin())
    with pytest.raises(TransferError, match=r"transfer a:/x -> b:/y: the transfer provider reported failure"):
        transfer("a", "b", "/x", "/y", config={})
