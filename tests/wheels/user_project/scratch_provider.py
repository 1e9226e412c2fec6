"""A small local-style resource provider, as a user's own plugin module: LocalProvider blocks
that start in a scratch directory."""

from chiltepin.plugins import BLOCK_SETTINGS, ResourceProvider, Setting, Str, block_kwargs, hookimpl


def _build(resource, launcher):
    from parsl.providers import LocalProvider

    kwargs = block_kwargs(resource)
    kwargs["worker_init"] = f"cd {resource.get('scratch_dir')}\n{kwargs['worker_init']}"
    return LocalProvider(launcher=launcher, nodes_per_block=1, **kwargs)


SCRATCH = ResourceProvider(
    name="scratch-local", build=_build, description="Blocks on this machine, started in a scratch directory.",
    runs_locally=True,
    settings=BLOCK_SETTINGS + (Setting("scratch_dir", Str(), "/tmp", "Directory the workers start in."),))


@hookimpl
def chiltepin_resource_providers():
    return [SCRATCH]
