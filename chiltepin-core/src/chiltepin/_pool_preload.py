"""Imported by the worker pool's forkserver: loads the pool module before any helper forks."""

from ._lean import import_lean
from .worker_pool import POOL_MODULE

import_lean(POOL_MODULE)
