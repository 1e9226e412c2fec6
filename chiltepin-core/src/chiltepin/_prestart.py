"""Processes started before Parsl asks for them: HTEX interchanges and local worker pools.

``serve KIND SOCKET PARENT_PID [MODULE]`` (KIND: ``interchange`` or ``pool``): started by the
workflow before it imports Parsl, in a process group of its own. It imports what the process
will run (the slow part) while the workflow does the same, then waits for a ``feed``.

``feed``: what Parsl runs instead of the real command (see :func:`feed`). It hands over what the
real command would have had (stdin for the interchange; arguments, working directory,
environment and output files for a pool), after which the waiting process runs the Parsl module
unchanged as ``__main__``. The feed lives as long as that process: signals sent to the feed
(Parsl's terminate, a provider's kill of the block's process group) reach its whole process
group, and if the feed dies the process group is terminated too.

Kept free of heavy imports so that ``feed`` starts in milliseconds.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sys
import threading
import time

INTERCHANGE = "parsl.executors.high_throughput.interchange"
POOL = "parsl.executors.high_throughput.process_worker_pool"


def serve(kind: str, path: str, parent: int, module: str | None = None) -> None:
    module = module or (POOL if kind == "pool" else INTERCHANGE)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    if kind == "pool":
        from .worker_pool import start_forkserver

        context = start_forkserver()
    from ._lean import import_lean

    import_lean(module)
    listener.settimeout(0.5)
    while True:
        try:
            conn, _ = listener.accept()
            break
        except TimeoutError:
            if os.getppid() != parent:
                return  # the workflow is gone before it needed this process
    listener.close()
    os.unlink(path)
    conn.sendall(f"{os.getpgid(0)}\n".encode())
    header, stdin, fds = _receive(conn)
    for fd, target in zip(fds, (1, 2), strict=False):
        os.dup2(fd, target)
        os.close(fd)
    if "cwd" in header:
        os.chdir(header["cwd"])
    if "env" in header:
        os.environ.clear()
        os.environ.update(header["env"])
    threading.Thread(target=_end_with_feed, args=(conn,), daemon=True).start()
    sys.argv = [module, *header.get("argv", [])]
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    if kind == "pool":
        import parsl.multiprocessing

        parsl.multiprocessing.SpawnContext = context  # type: ignore[assignment]
    import runpy
    import warnings

    # run_module warns because the module was imported above, on purpose, to get ahead.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="runpy")
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _receive(conn: socket.socket) -> tuple[dict, bytes, list[int]]:
    line, fds, _, _ = socket.recv_fds(conn, 1 << 20, 4)
    head, _, rest = line.partition(b"\n")
    while not _:  # the header line did not arrive in one piece
        more = conn.recv(1 << 20)
        if not more:
            raise ConnectionError("feed closed before sending its header")
        head, _, rest = (line := line + more).partition(b"\n")
    header = json.loads(head)
    while len(rest) < header["stdin_size"]:
        rest += conn.recv(1 << 20)
    return header, rest, list(fds)


def _end_with_feed(conn: socket.socket) -> None:
    conn.recv(1)  # returns when the feed exits or dies: it sends nothing more
    os.killpg(os.getpgid(0), signal.SIGTERM)


def feed(path: str, *, stdin: bytes = b"", argv: list[str] | None = None, pass_process: bool = False,
         wait_for_socket: float = 60.0) -> int | None:
    """Hand the real command's inputs to the process waiting at ``path`` and live as long as it.

    ``pass_process`` also hands over this process's working directory, environment and stdout
    and stderr. Returns the exit code, or None when no process is waiting there (the caller then
    runs the command itself).
    """
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + wait_for_socket
    while True:
        try:
            conn.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.01)
    reader = conn.makefile("rb")
    try:
        group = int(reader.readline())
    except ValueError:
        return None  # another block took this process first
    header: dict = {"argv": argv or [], "stdin_size": len(stdin)}
    if pass_process:
        header.update(cwd=os.getcwd(), env=dict(os.environ))
    socket.send_fds(conn, [json.dumps(header).encode() + b"\n"], [1, 2] if pass_process else [])
    conn.sendall(stdin)

    def forward(signum: int, frame: object) -> None:
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    reader.read()  # until the process exits
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:6])
    else:
        code = feed(sys.argv[2], stdin=sys.stdin.buffer.read(), wait_for_socket=60.0)
        if code is None:
            print(f"chiltepin: no interchange waiting at {sys.argv[2]}", file=sys.stderr)
        sys.exit(1 if code is None else code)
