"""The ``local`` transfer provider: endpoints are directories on a file system the workers share.

An endpoint is a root directory (``path``); endpoint paths are inside it (a leading ``/`` is
relative to the root, and ``..`` may not leave it). Copies are atomic: data is written under a
hidden temporary name in the destination directory and renamed into place only when complete
(and, with ``verify_checksum``, verified), so a failure or timeout never leaves anything
half-written under the destination name. A recursive copy builds the whole tree under a
temporary name and renames it into place, replacing an existing directory of that name.
Local copies do not poll: ``polling_interval`` is accepted and ignored.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from typing import Any

from ...errors import TransferError
from ...settings import Bool, Setting, Str
from ..records import TransferProvider

CHUNK = 1 << 20
PART_SUFFIX = ".chiltepin-part"


def _absolute(value: str) -> str | None:
    return None if os.path.isabs(value) else f"must be an absolute directory path, got {value!r}"


ENDPOINT_SETTINGS: tuple[Setting, ...] = (
    Setting("path", Str(), None, "Root directory of the endpoint, on a file system every worker that transfers "
            "sees; endpoint paths are inside it.", required=True, check=_absolute),
    Setting("verify_checksum", Bool(), False, "Verify the SHA-256 checksum of every file copied into this endpoint "
            "before it takes its final name."),
)


class _Deadline:
    def __init__(self, what: str, timeout: float):
        self.what, self.timeout, self.end = what, timeout, time.monotonic() + timeout

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise TransferError(f"{self.what}: timed out after {self.timeout:g} s; nothing was left under the "
                                f"destination name (raise timeout= for large data)")


def _locate(endpoint: Mapping[str, Any], path: str, what: str) -> str:
    root = os.path.normpath(endpoint["path"])
    if not os.path.isdir(root):
        raise TransferError(f"{what}: the root directory {root} of endpoint '{endpoint['name']}' does not exist")
    if not isinstance(path, str) or not path:
        raise TransferError(f"{what}: expected a path inside endpoint '{endpoint['name']}', got {path!r}")
    full = os.path.normpath(os.path.join(root, path.lstrip("/")))
    if os.path.commonpath([root, full]) != root:
        raise TransferError(f"{what}: path {path!r} leaves the root {root} of endpoint '{endpoint['name']}'")
    return full


def _os_error(what: str, exc: OSError) -> TransferError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        reason += " (the user running the transfer cannot write there)"
    return TransferError(f"{what}: {reason}: {exc.filename}" if exc.filename else f"{what}: {reason}")


def _copy_file(source: str, target: str, deadline: _Deadline, verify: bool) -> None:
    """Copy ``source`` into the already created file ``target``, checking the deadline per chunk."""
    digest = hashlib.sha256()
    with open(source, "rb") as fin, open(target, "wb") as fout:
        while chunk := fin.read(CHUNK):
            deadline.check()
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    shutil.copymode(source, target)
    if verify:
        check = hashlib.sha256()
        with open(target, "rb") as written:
            while chunk := written.read(CHUNK):
                deadline.check()
                check.update(chunk)
        if check.hexdigest() != digest.hexdigest():
            raise TransferError(f"{deadline.what}: checksum mismatch for {source} (read sha256 {digest.hexdigest()}, "
                                f"written {check.hexdigest()}); the copy was discarded")


def _copy_tree(source: str, target: str, deadline: _Deadline, verify: bool) -> None:
    """Copy the tree under ``source`` into the existing empty directory ``target``."""
    for current, dirs, files in os.walk(source):
        rel = os.path.relpath(current, source)
        into = os.path.join(target, rel) if rel != "." else target
        for name in dirs + files:
            src = os.path.join(current, name)
            dst = os.path.join(into, name)
            deadline.check()
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
            elif os.path.isdir(src):
                os.mkdir(dst)
            else:
                _copy_file(src, dst, deadline, verify)
        shutil.copymode(current, into)


def _publish(staged: str, dest: str, what: str) -> None:
    """Rename a staged file or tree to ``dest``; an existing directory is replaced as a whole."""
    if os.path.isdir(staged) and os.path.isdir(dest) and not os.path.islink(dest):
        old = tempfile.mkdtemp(dir=os.path.dirname(dest), prefix=f".{os.path.basename(dest)}.", suffix=".old")
        os.rename(dest, os.path.join(old, "tree"))
        try:
            os.rename(staged, dest)
        except OSError:
            os.rename(os.path.join(old, "tree"), dest)
            raise
        finally:
            shutil.rmtree(old, ignore_errors=True)
    elif os.path.isdir(dest) and not os.path.islink(dest):
        raise TransferError(f"{what}: the destination {dest} is a directory; name the file to create")
    elif os.path.isdir(staged) and os.path.lexists(dest):
        raise TransferError(f"{what}: the destination {dest} exists and is not a directory")
    else:
        os.replace(staged, dest)


def _staged(parent: str, dest: str, make: Callable[..., Any]) -> str:
    result = make(dir=parent, prefix=f".{os.path.basename(dest)}.", suffix=PART_SUFFIX)
    if isinstance(result, tuple):  # mkstemp
        os.close(result[0])
        return result[1]
    return result


class LocalTransferer:
    """Copies and deletes inside endpoint root directories on a shared file system."""

    def transfer(self, src: Mapping[str, Any], dst: Mapping[str, Any], src_path: str, dst_path: str, *,
                 timeout: float, polling_interval: float, recursive: bool, verify_checksum: bool | None = None,
                 **options: Any) -> bool:
        what = f"transfer {src['name']}:{src_path} -> {dst['name']}:{dst_path}"
        if options:
            raise TransferError(f"{what}: unknown option(s) for transfer provider 'local': {', '.join(options)}; "
                                f"it takes verify_checksum")
        source = _locate(src, src_path, what)
        dest = _locate(dst, dst_path, what)
        if not os.path.lexists(source):
            raise TransferError(f"{what}: the source {source} does not exist on endpoint '{src['name']}'")
        is_tree = os.path.isdir(source)
        if is_tree and not recursive:
            raise TransferError(f"{what}: the source {source} is a directory; pass recursive=True to copy the tree")
        if source == dest or (is_tree and os.path.commonpath([source, dest]) == source):
            raise TransferError(f"{what}: the destination {dest} is the source or inside it")
        verify = bool(dst.get("verify_checksum")) if verify_checksum is None else verify_checksum
        deadline = _Deadline(what, timeout)
        parent = os.path.dirname(dest)
        staged = None
        try:
            os.makedirs(parent, exist_ok=True)
            staged = _staged(parent, dest, tempfile.mkdtemp if is_tree else tempfile.mkstemp)
            if is_tree:
                _copy_tree(source, staged, deadline, verify)
            else:
                _copy_file(source, staged, deadline, verify)
            deadline.check()
            _publish(staged, dest, what)
            staged = None
        except OSError as exc:
            raise _os_error(what, exc) from None
        finally:
            if staged is not None:
                _remove(staged)
        return True

    def delete(self, target: Mapping[str, Any], path: str, *, timeout: float, polling_interval: float,
               recursive: bool, **options: Any) -> bool:
        what = f"delete {target['name']}:{path}"
        if options:
            raise TransferError(f"{what}: unknown option(s) for transfer provider 'local': {', '.join(options)}")
        full = _locate(target, path, what)
        if full == os.path.normpath(target["path"]):
            raise TransferError(f"{what}: refusing to delete the root of endpoint '{target['name']}'")
        if not os.path.lexists(full):
            raise TransferError(f"{what}: {full} does not exist on endpoint '{target['name']}'")
        try:
            if os.path.isdir(full) and not os.path.islink(full):
                if not recursive:
                    raise TransferError(f"{what}: {full} is a directory; pass recursive=True to delete the tree")
                # Take the name away atomically first, then remove the tree.
                doomed = _staged(os.path.dirname(full), full, tempfile.mkdtemp)
                os.rename(full, os.path.join(doomed, "tree"))
                shutil.rmtree(doomed)
            else:
                os.unlink(full)
        except OSError as exc:
            raise _os_error(what, exc) from None
        return True


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


LOCAL_TRANSFER = TransferProvider(
    name="local", build=LocalTransferer, settings=ENDPOINT_SETTINGS,
    description="Copy between directories on a file system the workers share (e.g. a site's scratch and "
                "project spaces); atomic, optionally checksum-verified.")
