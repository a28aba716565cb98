"""The plumbing under the model client: one worker process, its socket and its cancel page.

:class:`WorkerProcess` starts ``python -m tutor.runtime.worker``, sends requests, receives
replies, writes cancellations into the shared page, notices when the process has died (and
says why, from its exit status and the log), and stops it. It knows nothing of the typed
operations: that is :mod:`tutor.runtime.client`. It is not thread-safe except :meth:`cancel`;
the client serialises everything else.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tutor.runtime.errors import ModelRuntimeError, WorkerCrashedError, error_class
from tutor.runtime.ops import SHUTDOWN, NoArgs
from tutor.runtime.protocol import ErrorPayload, Reply, Request, WorkerConfig, load_reply

POLL_SECONDS = 0.05


class WorkerProcess:
    """One running worker. Started by the constructor; ``stop()`` ends it."""

    def __init__(self, config: WorkerConfig) -> None:
        """Start the worker with a socket for requests and a shared 8-byte page for
        cancellation. A fresh interpreter (not multiprocessing's spawn) never re-runs the app's
        ``__main__``; its stdout and stderr go to the log file."""
        try:
            config.log_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ModelRuntimeError(
                f"cannot create the data directory {config.log_path.parent}: {exc.strerror}"
            ) from exc
        self.config = config
        self.running_id = 0  # the request the worker is answering, 0 when idle
        self.running_op = ""
        self._cancel_lock = threading.Lock()
        self.log_offset = _file_size(config.log_path)  # where this worker's log lines begin
        ours, theirs = socket.socketpair()
        cancel_fd = _shared_page_fd()
        self._page = mmap.mmap(cancel_fd, 8)
        self._cancel = ctypes.c_int64.from_buffer(self._page)
        with config.log_path.open("ab") as log:
            popen = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tutor.runtime.worker",
                    str(theirs.fileno()),
                    str(cancel_fd),
                ],
                pass_fds=(theirs.fileno(), cancel_fd),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_worker_env(),
                start_new_session=True,  # the terminal's Ctrl+C goes to the app, which decides
            )
        theirs.close()
        os.close(cancel_fd)
        self._process: Process | None = Process(popen)
        self._conn: Connection | None = Connection(ours.detach())
        self._conn.send(config)

    @property
    def alive(self) -> bool:
        """True while the process runs and has not been stopped."""
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def send(self, request_id: int, op: str, args: Any) -> None:
        """Send one request; WorkerCrashedError if the worker has gone."""
        self.running_id, self.running_op = request_id, op
        try:
            if self._conn is None:
                raise OSError("the worker was stopped")
            self._conn.send(Request(request_id, op, args))
        except (OSError, ValueError) as err:
            raise self.crashed() from err

    def recv(self) -> Reply:
        """The next reply; WorkerCrashedError if the worker has died."""
        conn, process = self._conn, self._process
        if conn is None or process is None:
            raise self.crashed()
        while True:
            try:
                if conn.poll(POLL_SECONDS):
                    reply = load_reply(conn.recv_bytes())
                    if reply.kind != "items" and reply.id == self.running_id:
                        self.running_id = 0
                    return reply
            except (EOFError, OSError, pickle.UnpicklingError):
                raise self.crashed() from None
            if not process.is_alive() and not conn.poll(0):
                raise self.crashed()

    def result_of(
        self, request_id: int, on_items: Callable[[list[Any]], None] | None = None
    ) -> Any:
        """Wait for the final reply to ``request_id``, handing its streamed items to
        ``on_items`` (or ignoring them)."""
        while True:
            reply = self.recv()
            if reply.id != request_id:
                continue
            if reply.kind != "items":
                return unwrap(reply)
            if on_items is not None:
                on_items(reply.payload)

    def cancel(self, request_id: int | None = None) -> None:
        """Cancel ``request_id`` (default: the running request) and every earlier one. Safe from
        any thread; the page only ever grows, so a late cancel never revives a newer request."""
        target = self.running_id if request_id is None else request_id
        with self._cancel_lock:
            if target and target > self._cancel.value:
                self._cancel.value = target

    def crashed(self) -> WorkerCrashedError:
        """Tidy up after the worker died and describe what happened."""
        process, op = self._process, self.running_op
        exitcode = None
        if process is not None:
            process.join(timeout=2)
            exitcode = process.exitcode
        self.stop()
        doing = "loading" if op == "load" else f"running '{op}' on"
        log_path = self.config.log_path
        detail = _last_log_problem(log_path, self.log_offset)
        message = (
            f"The model worker stopped unexpectedly ({_describe_exit(exitcode)}) "
            f"while {doing} {Path(self.config.model_path).name}. "
            "The app is fine; start the model again to continue."
            + (f" Last logged problem: {detail}" if detail else f" Details may be in {log_path}.")
        )
        return WorkerCrashedError(message)

    def stop(self) -> None:
        """End the worker process (politely, then firmly) and forget it."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        self.running_id = 0
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(Request(0, SHUTDOWN.name, NoArgs()))
        if process is not None:
            process.join(timeout=3)
            if process.is_alive():
                process.kill()
                process.join(timeout=3)
        if conn is not None:
            conn.close()


def unwrap(reply: Reply) -> Any:
    """The payload of a final reply, or the runtime error it carries, raised."""
    if reply.kind == "error":
        payload: ErrorPayload = reply.payload
        raise error_class(payload.error)(payload.message)
    return reply.payload


class Process:
    """The few process operations the client needs, over a Popen."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def exitcode(self) -> int | None:
        """None while running; negative signal number if killed by a signal."""
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def join(self, timeout: float) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)

    def kill(self) -> None:
        self.popen.kill()


def _shared_page_fd() -> int:
    """A file descriptor for 8 zeroed bytes of memory both processes can map."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("llm-tutor-cancel")
    else:  # macOS
        with tempfile.TemporaryFile() as f:
            fd = os.dup(f.fileno())
    os.ftruncate(fd, 8)
    return fd


# llama.cpp's CPU backend runs its threads with OpenMP (libgomp), whose threads spin-wait at
# every barrier: about 300,000 turns before sleeping. On a quiet machine that is the fastest
# way; on a shared lab machine, where other processes hold the cores, the spinning threads take
# the CPU from the one doing the work. Measured on this project's 2-core machine under load:
# 2-7 tokens/s with the default spin, 29-73 with 10,000 turns (a few microseconds, enough to
# catch a barrier that clears at once), 20-35 with no spin at all. A learner's own
# OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
SPIN_COUNT = "10000"


def _worker_env() -> dict[str, str]:
    """The app's environment, plus the directory holding ``tutor`` on PYTHONPATH and a short
    OpenMP spin (see SPIN_COUNT)."""
    env = dict(os.environ)
    if "OMP_WAIT_POLICY" not in env:
        env.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
    root = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


def _describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "no exit status"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _last_log_problem(path: Path, since: int) -> str | None:
    """The last error-looking line the log gained since offset ``since`` (this worker's run)."""
    try:
        with path.open("rb") as f:
            f.seek(max(since, path.stat().st_size - 16384))
            tail = f.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    keys = ("error", "assert", "fatal", "abort", "segmentation")
    hits = [line.strip() for line in tail if any(k in line.lower() for k in keys)]
    return hits[-1][:300] if hits else None
