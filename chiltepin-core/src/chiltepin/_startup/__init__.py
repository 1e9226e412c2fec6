"""Fast start-up, behind one seam: the workflow owns a :class:`~chiltepin._startup.standby.Startup`.

Layers (each measured by ``benchmarks/startup_layers.py``):

* interchange standby: each HTEX interchange's interpreter starts, and imports Parsl, before the
  workflow does; Parsl's launch command is replaced by a feed to it (:mod:`.handoff`);
* pool standby: the first worker pool of a local ``htex`` resource starts while Parsl loads;
* forkserver: local worker pools fork their helpers from a fork of the pool process that has
  Parsl loaded (:mod:`.pool`);
* initial blocks: an HTEX executor launches its initial blocks as soon as it has started, not at
  the scaling strategy's next pass.

Every helper imports Parsl without the SDKs it never uses; everything that touches Parsl
internals lives in :mod:`.parsl_glue`. Plugins know nothing of this: core applies the start-up
to each executor after its backend built it. Kept free of imports so that helper processes
(``python -m chiltepin._startup.handoff feed``) start in milliseconds.
"""
