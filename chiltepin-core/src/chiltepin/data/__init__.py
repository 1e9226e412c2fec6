"""Data movement between named transfer endpoints, through the transfer provider plugins.

Endpoints are declared in the configuration::

    transfer_endpoints:
      scratch: {provider: local, path: /scratch/me}
      project: {provider: local, path: /project/me, verify_checksum: true}

and used by name: ``transfer("scratch", "project", "run1/out.nc", "archive/out.nc")``. See
:mod:`chiltepin.data.endpoints` for how a name finds its provider.
"""

from .endpoints import Endpoint, check_declarations, resolve_endpoint
from .operations import delete, delete_task, transfer, transfer_task

__all__ = ["Endpoint", "check_declarations", "delete", "delete_task", "resolve_endpoint", "transfer",
           "transfer_task"]
