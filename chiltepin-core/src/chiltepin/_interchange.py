"""An HTEX interchange that starts its interpreter before Parsl asks for it.

``serve SOCKET PARENT_PID [MODULE]``: started by the workflow before it imports Parsl; imports
the interchange module (the slow part) while the workflow does the same, then waits for a
``feed``. MODULE (default: Parsl's interchange) is what runs as ``__main__`` once fed.

``feed SOCKET``: the command Parsl runs as ``interchange_launch_cmd``. It hands the pickled
configuration Parsl writes to its stdin to the waiting ``serve``, which then runs Parsl's own
interchange ``__main__`` unchanged. ``feed`` lives as long as the interchange: Parsl's
terminate reaches the interchange through it, and if ``feed`` dies the interchange stops too.

Kept free of heavy imports so that ``feed`` starts in milliseconds.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import sys
import threading
import time

MODULE = "parsl.executors.high_throughput.interchange"


def serve(path: str, parent: int, module: str = MODULE) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    from ._lean import import_lean

    import_lean(module)
    listener.settimeout(0.5)
    while True:
        try:
            conn, _ = listener.accept()
            break
        except TimeoutError:
            if os.getppid() != parent:
                return  # the workflow is gone before it needed this interchange
    listener.close()
    os.unlink(path)
    conn.sendall(f"{os.getpid()}\n".encode())
    reader = conn.makefile("rb")
    size = int(reader.readline())
    data = reader.read(size)
    threading.Thread(target=_exit_with_feed, args=(conn,), daemon=True).start()
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    import runpy
    import warnings

    # run_module warns because the module was imported above, on purpose, to get ahead.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _exit_with_feed(conn: socket.socket) -> None:
    conn.recv(1)  # returns when feed exits or dies: feed sends nothing more
    os.kill(os.getpid(), signal.SIGTERM)


def feed(path: str, timeout: float = 60.0) -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                print(f"chiltepin: no interchange standby at {path}", file=sys.stderr)
                return 1
            time.sleep(0.01)
    reader = conn.makefile("rb")
    pid = int(reader.readline())
    data = sys.stdin.buffer.read()
    conn.sendall(f"{len(data)}\n".encode() + data)

    def forward(signum: int, frame: object) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    reader.read()  # until the interchange exits
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(*sys.argv[2:3], int(sys.argv[3]), *sys.argv[4:5])
    else:
        sys.exit(feed(sys.argv[2]))
