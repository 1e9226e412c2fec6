"""Chiltepin site plugin for the (fictional) Cobalt Ridge Computing Facility."""

__version__ = "0.1.0"
