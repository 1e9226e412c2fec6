"""chiltepin-slurm: run chiltepin workflow blocks on Slurm and PBS Pro clusters.

Installs the ``slurm`` and ``pbspro`` resource providers and the ``srun`` and ``mpiexec`` block
launchers through the ``chiltepin`` entry point group; nothing here needs importing by hand.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("chiltepin-slurm")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+source"
