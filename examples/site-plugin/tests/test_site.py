"""The Cobalt Ridge site passes chiltepin's site contract, and its presets mean what they say."""

from __future__ import annotations

import pytest
from chiltepin.config import resolve_resource
from chiltepin.errors import ConfigError
from chiltepin.testing import SiteContract


class TestCobaltSite(SiteContract):
    site_name = "cobalt"
    sample_hostnames = ("cr-login1", "cr-c0042.cobalt-ridge.example.org")
    sample_environ = {"COBALT_RIDGE_SYSTEM": "cobalt-2"}

    def test_lookalike_hosts_are_not_cobalt(self, manager):
        for hostname in ("cr-login", "cr-c42", "login1.cobalt-ridge.example.com", "xcr-login1"):
            assert manager.detect_site(hostname=hostname, environ={}) is None, hostname

    def test_user_keys_override_the_preset(self, manager):
        resource = resolve_resource("work", {"extends": "cobalt:compute", "max_workers_per_node": 1}, manager)
        assert resource.get("max_workers_per_node") == 1
        assert resource.get("environment") == ["export CHILTEPIN_SITE=cobalt", "umask 002"]
        assert resource.get("max_blocks") == 1

    def test_mpi_preset_selects_the_mpi_backend(self, manager):
        resource = resolve_resource("ranks", {"extends": "cobalt:mpi"}, manager)
        assert (resource.backend, resource.mpi, resource.get("mpi_launcher")) == ("mpi", True, "mpiexec-openmpi")

    def test_unknown_preset_is_named(self, manager):
        with pytest.raises(ConfigError, match=r"work\.extends: site 'cobalt' has no preset 'gpu'; presets: "
                                              r"compute, mpi, service"):
            resolve_resource("work", {"extends": "cobalt:gpu"}, manager)
