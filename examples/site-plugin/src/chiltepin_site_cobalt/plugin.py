"""Hook implementations: the ``cobalt`` site and how to recognise its machines."""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources

import yaml
from chiltepin.plugins import Site, hookimpl

SITE_NAME = "cobalt"
#: cr-login1, cr-c0042, ... in the facility's domain (the short name is enough).
HOSTNAME = re.compile(r"cr-(login\d+|c\d{4})(\.cobalt-ridge\.example\.org)?")
#: Set by the facility's module system on every node.
SYSTEM_VARIABLE = "COBALT_RIDGE_SYSTEM"


def _presets() -> dict:
    text = resources.files(__package__).joinpath("presets.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@hookimpl
def chiltepin_sites() -> list[Site]:
    return [Site(name=SITE_NAME, presets=_presets(),
                 description="Cobalt Ridge Computing Facility (fictional): compute, service and MPI partitions.",
                 environment=["export CHILTEPIN_SITE=cobalt", "umask 002"],
                 defaults={"max_blocks": 1})]


@hookimpl
def chiltepin_detect_site(hostname: str, environ: Mapping[str, str]) -> str | None:
    if HOSTNAME.fullmatch(hostname) or environ.get(SYSTEM_VARIABLE):
        return SITE_NAME
    return None
