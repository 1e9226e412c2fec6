"""chiltepin-globus: Globus Compute resources, Globus Transfer data movement, login and endpoints.

Entry point ``globus`` (module :mod:`chiltepin_globus.plugin`) registers the ``globus-compute``
executor backend, the ``globus`` transfer provider and the ``login``, ``logout`` and
``endpoint`` commands.
"""

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("chiltepin-globus")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+source"
