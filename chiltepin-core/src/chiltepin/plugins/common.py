"""Settings and helpers shared by providers and executor backends of every plugin.

Plugin authors reuse these so that the same key means the same thing on every provider:
``BLOCK_SETTINGS`` (blocks and environment) for resource providers and ``HTEX_SETTINGS`` plus
:func:`htex_kwargs` for backends built on Parsl's HighThroughputExecutor.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ..errors import ConfigError
from ..settings import AnyOf, Bool, Float, Int, Setting, Str, StrList
from .records import ResolvedResource

BLOCK_SETTINGS: tuple[Setting, ...] = (
    Setting("init_blocks", Int(minimum=0), 0, "Blocks started when the workflow starts."),
    Setting("min_blocks", Int(minimum=0), 0, "Blocks kept even when idle."),
    Setting("max_blocks", Int(minimum=0), 1, "Most blocks running at once."),
    Setting("environment", StrList(), (), "Shell lines run before workers start in every block (module "
            "loads, exports, activating an environment); a YAML list, one line per item."),
)

HTEX_SETTINGS: tuple[Setting, ...] = (
    Setting("address", Str(), "127.0.0.1", "Address, host name or network interface name (e.g. ib0) that "
            "workers connect back to. Never discovered automatically."),
    Setting("max_workers_per_node", Int(minimum=1), None, "Workers per node (default: cores / cores_per_worker)."),
    Setting("cores_per_worker", Float(above=0), 1.0, "Cores each worker counts as using."),
    Setting("mem_per_worker", Float(above=0), None, "Memory (GB) each worker counts as using."),
    Setting("cpu_affinity", Str(), "none", "Worker CPU binding (Parsl cpu_affinity: none, block, alternating, ...)."),
    Setting("available_accelerators", AnyOf((Int(minimum=0), StrList())), None,
            "Accelerators per node: a count or a list of device ids; one worker is pinned per accelerator."),
    Setting("worker_debug", Bool(), False, "Verbose worker logs."),
    Setting("encrypted", Bool(), True, "Encrypt traffic between the workflow and its workers (CurveZMQ)."),
    Setting("heartbeat_period", Int(minimum=1), 30, "Seconds between worker heartbeats."),
    Setting("heartbeat_threshold", Int(minimum=1), 120, "Seconds without a heartbeat before a worker is lost."),
)


def worker_init(resource: ResolvedResource) -> str:
    """The resource's environment lines as Parsl's ``worker_init`` script."""
    return "\n".join(resource.get("environment") or ())


def block_kwargs(resource: ResolvedResource) -> dict[str, Any]:
    """Keyword arguments every Parsl provider takes: blocks and worker_init (for a provider
    that declares ``BLOCK_SETTINGS``)."""
    return {"init_blocks": resource.get("init_blocks"), "min_blocks": resource.get("min_blocks"),
            "max_blocks": resource.get("max_blocks"), "worker_init": worker_init(resource)}


def resolve_address(resource_name: str, value: str) -> str:
    """An address as given, or the IPv4 address of a network interface when given its name."""
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    if "." in value or value == "localhost":
        return value  # a host name; Parsl hands it to the workers unchanged
    from parsl.addresses import address_by_interface

    try:
        return address_by_interface(value)
    except OSError as exc:
        raise ConfigError(f"{resource_name}.address: no usable network interface '{value}' on this host "
                          f"({exc}); give an address or an interface name from `ip addr`") from None


def htex_kwargs(resource: ResolvedResource) -> dict[str, Any]:
    """Keyword arguments for ``HighThroughputExecutor`` (and MPIExecutor) from ``HTEX_SETTINGS``.

    Core points every HTEX-derived executor at the workflow's fast start-up after it is built
    (interchange and local pool commands); backends need do nothing for it.
    """
    kwargs: dict[str, Any] = {
        "label": resource.name,
        "address": resolve_address(resource.name, resource.get("address")),
        "worker_debug": resource.get("worker_debug"),
        "encrypted": resource.get("encrypted"),
        "heartbeat_period": resource.get("heartbeat_period"),
        "heartbeat_threshold": resource.get("heartbeat_threshold"),
    }
    if resource.provider is not None:
        from .manager import get_plugin_manager

        drain = get_plugin_manager().lookup("resource_providers", resource.provider).drain_period
        kwargs["drain_period"] = drain(resource) if drain else None
    return kwargs
