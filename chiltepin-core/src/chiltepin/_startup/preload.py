"""Imported by the worker pool's forkserver: loads the pool module before any helper forks."""

import warnings

from .parsl_glue import POOL_MODULE, import_lean

import_lean(POOL_MODULE)
# Each forked helper re-runs the pool module as __mp_main__; runpy warns that it is imported.
warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")
