"""Sphinx configuration of the Chiltepin docs; `make docs` (or the test suite) builds them with -W."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

project = "Chiltepin"
author = "The Chiltepin developers"
copyright = "2026, the Chiltepin developers"
extensions = ["chiltepin_reference"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list = []
smartquotes = False  # show help texts and messages exactly as chiltepin prints them
