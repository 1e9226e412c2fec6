"""Hand a Parsl helper's work to a process started before Parsl asked for it.

``serve KIND SOCKET PARENT_PID [MODULE]`` (KIND: ``interchange`` or ``pool``): started by the
workflow in a process group of its own. It imports what it will run (the slow part) while the
workflow does the same, then waits for a ``feed``.

``feed SOCKET``: what Parsl runs instead of the real command (see :func:`feed`). It hands over
what the real command would have had (stdin for the interchange; arguments, working directory,
environment and output files for a pool), after which the waiting process runs the Parsl module
unchanged as ``__main__`` and reports its exit status back. The feed lives as long as that
process and exits with its status: signals sent to the feed (Parsl's terminate, a provider's
kill of the block's process group) reach the served process group, and if the feed dies the
process group is terminated too. An interchange's feed leaves the workflow's session first
(:func:`detach`).

``detached MODULE``: runs an interchange that has no standby, outside the workflow's session.

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

from .parsl_glue import INTERCHANGE_MODULE, POOL_MODULE, import_lean, use_start_context
from .running import run_as_main, start_forkserver

#: Exit status a feed reports when the served process ended without reporting one (killed).
NO_STATUS = 1


def serve(kind: str, path: str, parent: int, module: str | None = None) -> int:
    """Wait at ``path`` for a feed, then run ``module`` with what it hands over; returns the
    module's exit status (also sent to the feed), or 0 when the workflow went away first."""
    module = module or (POOL_MODULE if kind == "pool" else INTERCHANGE_MODULE)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    import_lean(module)
    context = start_forkserver() if kind == "pool" else None
    listener.settimeout(0.5)
    while True:
        try:
            conn, _ = listener.accept()
            break
        except TimeoutError:
            if os.getppid() != parent:
                return 0  # the workflow is gone before it needed this process
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
    if context is not None:
        use_start_context(context)
    status = run_as_main(module)
    conn.sendall(f"{status}\n".encode())
    return status


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
    and stderr. Returns the served process's exit status, or None when no process is waiting
    there (the caller then runs the command itself). When a signal this feed forwarded ended it
    before it could report, the feed ends by the same signal.
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
    forwarded: list[int] = []

    def forward(signum: int, frame: object) -> None:
        forwarded.append(signum)
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    report = reader.read()  # the status line, when the process exits
    try:
        return int(report)
    except ValueError:
        pass
    if forwarded:
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    print(f"chiltepin: the process served at {path} ended without an exit status (killed?)", file=sys.stderr)
    return NO_STATUS


def detach() -> None:
    """Leave the workflow's session: a signal sent to its whole process group (a terminal's
    hangup or Ctrl-C, ``kill -- -PGID``, a batch system ending the job step) must not end the
    interchange before the workflow has stopped its blocks through it. Parsl ends the
    interchange with a signal to its process, which still arrives."""
    try:
        os.setsid()
    except OSError:  # already a session leader
        pass


def run_detached(module: str) -> int:
    """Run the interchange ``module`` as ``__main__`` outside the workflow's session."""
    detach()
    import_lean(module)
    return run_as_main(module)


def main(argv: list[str]) -> int:
    if argv[0] == "serve":
        return serve(argv[1], argv[2], int(argv[3]), *argv[4:5])
    if argv[0] == "detached":
        return run_detached(argv[1])
    detach()  # feed SOCKET: the interchange's feed
    code = feed(argv[1], stdin=sys.stdin.buffer.read(), wait_for_socket=60.0)
    if code is None:
        print(f"chiltepin: no interchange waiting at {argv[1]}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
