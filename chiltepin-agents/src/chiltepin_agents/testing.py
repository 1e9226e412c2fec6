"""Test helpers for agent workflows: a private Redis exchange server and a leftover-process check.

``with redis_server(directory) as address:`` runs Debian's ``redis-server`` on 127.0.0.1 on a free
port (no persistence) and stops it afterwards. ``tag_processes()`` marks this process's
environment so that :func:`tagged_processes` finds every process started from here later,
including orphans whose parent died.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

TAG_VARIABLE = "CHILTEPIN_AGENTS_TEST_TAG"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_server(directory: str | os.PathLike, *, timeout: float = 30.0) -> Iterator[str]:
    """Run a private ``redis-server`` on 127.0.0.1 and yield its ``HOST:PORT``."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not installed (scripts/install-system-deps.sh installs it)")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    with open(directory / "redis.log", "ab") as log:
        process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                    "--appendonly", "no", "--dir", str(directory)],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on 127.0.0.1:{port}; see {directory / 'redis.log'}")
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def tag_processes() -> str:
    """Give this process (and so everything it starts from now on) a fresh tag; returns it."""
    tag = uuid.uuid4().hex
    os.environ[TAG_VARIABLE] = tag
    return tag


def tagged_processes(tag: str) -> list[str]:
    """``"PID CMDLINE"`` of every live process other than this one whose environment carries ``tag``."""
    found = []
    needle = f"{TAG_VARIABLE}={tag}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            if needle in environ.split(b"\0"):
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    found.append(f"{entry} {cmd.strip()}")
        except OSError:
            continue
    return found


def wait_until_gone(tag: str, timeout: float = 60.0) -> list[str]:
    """Wait (bounded) for the tagged processes to exit; returns those still alive."""
    deadline = time.monotonic() + timeout
    left = tagged_processes(tag)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = tagged_processes(tag)
    return left
