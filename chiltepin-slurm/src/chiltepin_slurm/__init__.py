"""chiltepin-slurm: run chiltepin workflow blocks on Slurm and PBS Pro clusters.

Installs the ``slurm`` and ``pbspro`` resource providers and the ``srun`` and ``mpiexec`` block
launchers through the ``chiltepin`` entry point group; nothing here needs importing by hand.
"""

__version__ = "0.2.0"
