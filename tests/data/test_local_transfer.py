"""The core ``local`` transfer provider on real files: atomic copies, trees, checksums, timeouts."""

from __future__ import annotations

import os

import pytest
from chiltepin.data import delete, transfer
from chiltepin.errors import ConfigError, TransferError
from chiltepin.plugins.builtin.local_transfer import PART_SUFFIX
from chiltepin.testing import TransferProviderContract
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture
def roots(tmp_path, chiltepin_plugin_manager):
    """Two endpoints, resolved with core's built-ins only (so no installed provider resolves names)."""
    src, dst = tmp_path / "scratch", tmp_path / "project"
    src.mkdir()
    dst.mkdir()
    config = {"transfer_endpoints": {"scratch": {"provider": "local", "path": str(src)},
                                     "project": {"provider": "local", "path": str(dst)}}}
    return src, dst, config


def leftovers(root):
    """Temporary names the provider may have left anywhere under root."""
    return [os.path.join(d, n) for d, dirs, files in os.walk(root) for n in dirs + files
            if n.endswith(PART_SUFFIX) or n.endswith(".old")]


def test_copies_a_file_into_new_directories_keeping_its_mode(roots):
    src, dst, config = roots
    (src / "run1").mkdir()
    (src / "run1" / "out.nc").write_bytes(b"netcdf" * 1000)
    os.chmod(src / "run1" / "out.nc", 0o640)
    assert transfer("scratch", "project", "/run1/out.nc", "archive/2026/out.nc", config=config) is True
    copied = dst / "archive" / "2026" / "out.nc"
    assert copied.read_bytes() == b"netcdf" * 1000
    assert copied.stat().st_mode & 0o777 == 0o640
    assert (src / "run1" / "out.nc").exists()
    assert leftovers(dst) == []


def test_recopy_replaces_the_old_file(roots):
    src, dst, config = roots
    (src / "f").write_text("new")
    (dst / "f").write_text("old content")
    transfer("scratch", "project", "f", "f", config=config)
    assert (dst / "f").read_text() == "new"


tree_paths = st.lists(st.lists(st.sampled_from(["a", "b", "c1", "d.txt"]), min_size=1, max_size=3).map("/".join),
                      min_size=1, max_size=6, unique=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=tree_paths, payload=st.binary(max_size=64))
def test_recursive_copy_keeps_the_tree(tmp_path_factory, paths, payload):
    src = tmp_path_factory.mktemp("src")
    dst = tmp_path_factory.mktemp("dst")
    expected = {}
    for i, rel in enumerate(paths):
        target = src / "tree" / rel
        if any(p.is_file() for p in target.parents) or target.is_dir():
            continue  # a path cannot be both a file and a directory
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload + bytes([i]))
        expected[rel] = payload + bytes([i])
    config = {"transfer_endpoints": {"s": {"provider": "local", "path": str(src)},
                                     "d": {"provider": "local", "path": str(dst), "verify_checksum": True}}}
    assert transfer("s", "d", "tree", "copy", recursive=True, config=config)
    copied = {os.path.relpath(os.path.join(d, f), dst / "copy"): open(os.path.join(d, f), "rb").read()
              for d, _, files in os.walk(dst / "copy") for f in files}
    assert copied == expected
    assert leftovers(dst) == []


def test_recursive_copy_replaces_an_existing_tree_as_a_whole(roots):
    src, dst, config = roots
    (src / "t" / "sub").mkdir(parents=True)
    (src / "t" / "sub" / "new.txt").write_text("n")
    os.symlink("sub/new.txt", src / "t" / "link")
    (dst / "t").mkdir()
    (dst / "t" / "stale.txt").write_text("s")
    transfer("scratch", "project", "t", "t", recursive=True, config=config)
    assert sorted(os.listdir(dst / "t")) == ["link", "sub"]
    assert os.readlink(dst / "t" / "link") == "sub/new.txt"
    assert (dst / "t" / "link").read_text() == "n"
    assert leftovers(dst) == []


def test_checksum_mismatch_discards_the_copy(roots, monkeypatch):
    """Corrupt the written bytes on disk (as a failing disk would) just before they are synced."""
    src, dst, config = roots
    (src / "f").write_bytes(b"A" * 5000)
    (dst / "f").write_bytes(b"previous")
    real_fsync = os.fsync

    def corrupting_fsync(fd):
        os.pwrite(fd, b"Z", 10)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", corrupting_fsync)
    with pytest.raises(TransferError, match=r"checksum mismatch .*the copy was discarded"):
        transfer("scratch", "project", "f", "f", config=config, verify_checksum=True)
    assert (dst / "f").read_bytes() == b"previous"
    assert leftovers(dst) == []
    monkeypatch.setattr(os, "fsync", real_fsync)
    # the endpoint setting turns verification on too, and an intact copy passes it
    config["transfer_endpoints"]["project"]["verify_checksum"] = True
    assert transfer("scratch", "project", "f", "f", config=config)
    assert (dst / "f").read_bytes() == b"A" * 5000


def test_timeout_stops_and_leaves_nothing_under_the_name(roots):
    src, dst, config = roots
    (src / "big").write_bytes(os.urandom(4 << 20))
    (src / "tree").mkdir()
    (src / "tree" / "big").write_bytes(b"x" * (3 << 20))
    with pytest.raises(TransferError, match=r"transfer scratch:big -> project:big: timed out after 1e-06 s"):
        transfer("scratch", "project", "big", "big", timeout=1e-6, config=config)
    with pytest.raises(TransferError, match="timed out"):
        transfer("scratch", "project", "tree", "tree", timeout=1e-6, recursive=True, config=config)
    assert os.listdir(dst) == []


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (("scratch", "project", "missing.dat", "x"), {}, r"source .*missing\.dat does not exist on endpoint 'scratch'"),
    (("scratch", "project", "dir", "x"), {}, "is a directory; pass recursive=True"),
    (("scratch", "project", "../outside", "x"), {}, r"path '\.\./outside' leaves the root"),
    (("scratch", "scratch", "dir", "dir/inner"), {"recursive": True}, "is the source or inside it"),
    (("scratch", "project", "file", "x"), {"sync_level": 3}, "unknown option.*sync_level"),
    (("scratch", "nowhere", "file", "x"), {}, r"endpoint 'nowhere': no transfer provider serves it"),
    (("scratch", "project", "file", "dir"), {}, None),
])
def test_bad_transfers_are_named(roots, args, kwargs, message):
    src, dst, config = roots
    (src / "dir").mkdir()
    (src / "file").write_text("f")
    (dst / "dir").mkdir()
    if message is None:
        message = r"destination .*project/dir is a directory"
    with pytest.raises(TransferError, match=message):
        transfer(*args, config=config, **kwargs)
    assert leftovers(dst) == [] and leftovers(src) == []


def test_missing_endpoint_root_is_named(tmp_path):
    config = {"transfer_endpoints": {"a": {"provider": "local", "path": str(tmp_path / "gone")},
                                     "b": {"provider": "local", "path": str(tmp_path)}}}
    with pytest.raises(TransferError, match=r"root directory .*gone of endpoint 'a' does not exist"):
        transfer("a", "b", "x", "y", config=config)


def test_bad_declarations_are_all_named(tmp_path, chiltepin_plugin_manager):
    config = {"transfer_endpoints": {"a": {"provider": "local", "pth": "/x"},
                                     "b": {"provider": "lcoal", "path": "/y"}}}
    with pytest.raises(ConfigError) as info:
        transfer("a", "b", "x", "y", config=config)
    assert info.value.problems[0] == ("transfer_endpoints.a.pth: unknown endpoint setting for transfer provider "
                                      "'local' (did you mean 'path'?); its settings: path, verify_checksum")
    assert info.value.problems[1].startswith("transfer_endpoints.a.path: required by transfer provider 'local'")
    assert "transfer_endpoints.b.provider: transfer provider 'lcoal' is not available (did you mean 'local'?)" \
        in info.value.problems[2]
    with pytest.raises(ConfigError, match=r"transfer_endpoints\.a\.provider: required: the transfer provider "
                                          r"serving this endpoint \(one of: local\)"):
        delete("a", "x", config={"transfer_endpoints": {"a": {"path": "/tmp"}}})
    with pytest.raises(ConfigError, match=r"transfer_endpoints\.a: expected a mapping with 'provider:'"):
        delete("a", "x", config={"transfer_endpoints": {"a": "/tmp"}})
    with pytest.raises(ConfigError, match=r"transfer_endpoints\.a\.path: must be an absolute directory path"):
        delete("a", "x", config={"transfer_endpoints": {"a": {"provider": "local", "path": "rel/dir"}}})


@pytest.mark.parametrize("bad", [0, -1, "10", True])
def test_waits_must_be_positive_numbers(roots, bad):
    _, _, config = roots
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        transfer("scratch", "project", "a", "b", timeout=bad, config=config)
    with pytest.raises(ValueError, match="polling_interval must be a positive number"):
        delete("scratch", "a", polling_interval=bad, config=config)


def test_delete_files_and_trees(roots):
    src, _, config = roots
    (src / "t" / "sub").mkdir(parents=True)
    (src / "t" / "sub" / "f").write_text("x")
    (src / "f").write_text("x")
    assert delete("scratch", "f", config=config) is True
    assert not (src / "f").exists()
    with pytest.raises(TransferError, match=r"delete scratch:f: .*f does not exist on endpoint 'scratch'"):
        delete("scratch", "f", config=config)
    with pytest.raises(TransferError, match="is a directory; pass recursive=True"):
        delete("scratch", "t", config=config)
    assert (src / "t" / "sub" / "f").exists()
    assert delete("scratch", "t", recursive=True, config=config) is True
    assert os.listdir(src) == []
    with pytest.raises(TransferError, match="refusing to delete the root of endpoint 'scratch'"):
        delete("scratch", "/", recursive=True, config=config)


NOBODY_SCRIPT = """
import os, sys
from chiltepin.data import transfer
from chiltepin.errors import TransferError
from chiltepin.plugins import get_plugin_manager
get_plugin_manager().records("transfer_providers")  # import everything while /root is still readable
os.setgid(65534); os.setuid(65534)
config = {"transfer_endpoints": {"in": {"provider": "local", "path": sys.argv[1]},
                                 "out": {"provider": "local", "path": sys.argv[2]}}}
try:
    transfer("in", "out", "data.txt", sys.argv[3], config=config)
except TransferError as exc:
    print(exc)
    sys.exit(3)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to the unprivileged user needs root")
@pytest.mark.parametrize("dst_path", ["data.txt", "newdir/data.txt"])
def test_destination_without_permission_is_named(tmp_path_factory, dst_path):
    """Root may write anywhere, so the copy runs as 'nobody' in a child process against a
    destination directory that only root may write."""
    import subprocess
    import sys
    import tempfile

    base = tempfile.mkdtemp(prefix="chiltepin-perm-")
    try:
        os.chmod(base, 0o755)
        src, dst = os.path.join(base, "in"), os.path.join(base, "out")
        os.mkdir(src, 0o755)
        os.mkdir(dst, 0o755)
        with open(os.path.join(src, "data.txt"), "w") as f:
            f.write("payload")
        os.chmod(os.path.join(src, "data.txt"), 0o644)
        done = subprocess.run([sys.executable, "-c", NOBODY_SCRIPT, src, dst, dst_path], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 3, done.stderr
        assert "transfer in:data.txt -> out:" + dst_path in done.stdout
        assert "Permission denied (the user running the transfer cannot write there)" in done.stdout
        assert os.listdir(dst) == []
    finally:
        import shutil

        shutil.rmtree(base)


class TestLocalContract(TransferProviderContract):
    """Core's own provider passes the contract it ships to plugin authors."""

    provider_name = "local"

    @pytest.fixture
    def endpoints(self, tmp_path):
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        return ({"name": "a", "path": str(tmp_path / "a"), "verify_checksum": False},
                {"name": "b", "path": str(tmp_path / "b"), "verify_checksum": True})

    def put(self, endpoint, path, data):
        target = os.path.join(endpoint["path"], path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)

    def get(self, endpoint, path):
        with open(os.path.join(endpoint["path"], path), "rb") as f:
            return f.read()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(segments=st.lists(st.sampled_from(["a", "b", "..", ".", ""]), min_size=1, max_size=6))
def test_destination_paths_never_leave_the_root(tmp_path_factory, segments):
    base = tmp_path_factory.mktemp("contain")
    (base / "src").mkdir()
    (base / "dst").mkdir()
    (base / "src" / "f").write_text("data")
    config = {"transfer_endpoints": {"s": {"provider": "local", "path": str(base / "src")},
                                     "d": {"provider": "local", "path": str(base / "dst")}}}
    path = "/".join(segments)
    try:
        transfer("s", "d", "f", path, config=config)
    except TransferError as exc:
        assert "leaves the root" in str(exc) or "is a directory" in str(exc) or "expected a path" in str(exc)
    outside = sorted(p.name for p in base.iterdir())
    assert outside == ["dst", "src"]
    assert sorted(p.name for p in (base / "src").iterdir()) == ["f"]
