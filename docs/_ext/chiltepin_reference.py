"""Sphinx directives that write reference pages from the code, so the docs cannot drift from it.

``.. chiltepin-config-reference::``  every key of every installed record, from the settings
                                      declarations (the same source as ``chiltepin config keys``).
``.. chiltepin-hooks::``             every hook of ``chiltepin.plugins.hookspecs``: signature, kind,
                                      return value and example, from the hook specifications.
"""

from __future__ import annotations

import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

#: Distributions whose keys the configuration reference must cover.
FIRST_PARTY = ("chiltepin-core", "chiltepin-slurm", "chiltepin-mpi", "chiltepin-globus")


def _literal(value: object) -> str:
    return f"``{value!r}``" if value not in (None, ()) else "unset"


class _Generated(SphinxDirective):
    def lines(self) -> list[str]:
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, StringList(self.lines(), source=f"<{self.name}>"), container)
        return container.children


class ConfigReference(_Generated):
    """The configuration reference: one subsection per group of keys, one entry per key."""

    def lines(self) -> list[str]:
        from chiltepin.cli.reference import describe, sections
        from chiltepin.plugins import PluginManager

        manager = PluginManager()
        manager.load_entrypoints()
        loaded = {info.distribution for info in manager.plugins.values()}
        for missing in sorted(set(FIRST_PARTY) - loaded):
            logger.warning(f"{missing} is not installed (or failed to load); its keys are missing from the "
                           f"configuration reference", location=self.get_location())
        out: list[str] = []
        for section in sections(manager):
            title = section.title + (f" ({section.distribution})" if section.distribution else "")
            out += [title, "~" * len(title), ""]
            if section.description:
                out += [section.description, ""]
            if not section.settings:
                out += ["No keys of its own.", ""]
            for setting in section.settings:
                out += [f"``{setting.name}`` ({describe(setting)})", f"   {setting.help}", ""]
        return out


class HookReference(_Generated):
    """The hook reference: one subsection per hook specification."""

    def lines(self) -> list[str]:
        from chiltepin.plugins import PluginManager, hookspecs

        manager = PluginManager()
        manager.load_entrypoints()
        out: list[str] = []
        for name, function in sorted(vars(hookspecs).items()):
            if not name.startswith("chiltepin_") or not callable(function):
                continue
            options = getattr(function, "chiltepin_spec", {})
            doc = inspect.getdoc(function)
            if not doc or "Example::" not in doc:
                logger.warning(f"hook {name} has no docstring with an example", location=self.get_location())
                doc = doc or ""
            firstresult = options.get("firstresult", False)
            signature = inspect.signature(function, eval_str=True)
            returns = signature.return_annotation
            kind = ("decide (``firstresult``: the first non-None answer wins)" if firstresult
                    else "collect (every plugin's records are gathered)")
            out += [name, "~" * len(name), "",
                    ".. code-block:: python", "", f"   {name}{signature}", "",
                    f":Kind: {kind}", f":Returns: ``{returns}``",
                    f":Implemented by: {_implementers(manager, name)}", ""]
            out += doc.splitlines() + [""]
        return out


def _implementers(manager, hook: str) -> str:
    """The installed distributions implementing ``hook`` when the docs were built."""
    names = []
    for impl in getattr(manager.pluggy.hook, hook).get_hookimpls():
        info = manager.plugins.get(impl.plugin_name)
        if info is not None and info.distribution:
            names.append(f"``{info.distribution}``")
    return ", ".join(sorted(set(names))) or "no installed plugin"


def setup(app):
    app.add_directive("chiltepin-config-reference", ConfigReference)
    app.add_directive("chiltepin-hooks", HookReference)
    return {"version": "0.2", "parallel_read_safe": True}
