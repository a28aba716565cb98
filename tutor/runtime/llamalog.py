"""Routing llama.cpp's log into the app's log file (worker side).

llama.cpp and ggml send every message through one callback (``llama_log_set`` also sets
ggml's). llama-cpp-python installs its own at import, which prints to stderr and maps levels
with an outdated enum; this one writes to ``log_file()`` through :mod:`logging` with ggml's
current levels (ggml.h: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5 = same as previous).
"""

from __future__ import annotations

import collections
import logging
import os
import sys
from pathlib import Path

GGML_LEVELS = {
    0: logging.INFO,
    1: logging.DEBUG,
    2: logging.INFO,
    3: logging.WARNING,
    4: logging.ERROR,
}
GGML_LOG_LEVEL_CONT = 5
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s"


class LlamaLog:
    """Collects llama.cpp's message fragments into lines and logs them at the right level."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.recent_problems: collections.deque[str] = collections.deque(maxlen=20)
        self._level = logging.INFO
        self._partial = ""

    def write(self, ggml_level: int, text: str) -> None:
        """Handle one callback call; a message may arrive in pieces, ended by a newline."""
        if ggml_level != GGML_LOG_LEVEL_CONT:
            self._level = GGML_LEVELS.get(ggml_level, logging.INFO)
        self._partial += text
        while "\n" in self._partial:
            line, self._partial = self._partial.split("\n", 1)
            self._emit(line.rstrip())

    def _emit(self, line: str) -> None:
        if not line:
            return
        if self._level >= logging.WARNING:
            self.recent_problems.append(line)
        self.logger.log(self._level, "%s", line)

    def take_problems(self) -> list[str]:
        """The warnings and errors logged since the last call (used to explain load failures)."""
        problems = list(self.recent_problems)
        self.recent_problems.clear()
        return problems


MAX_LOG_BYTES = 2_000_000


def rotate_if_large(log_path: Path, max_bytes: int = MAX_LOG_BYTES) -> None:
    """Keep the log bounded: past ``max_bytes`` it becomes ``<name>.1`` (one old copy kept)."""
    try:
        if log_path.stat().st_size > max_bytes:
            os.replace(log_path, log_path.with_name(log_path.name + ".1"))
    except FileNotFoundError:
        pass


def redirect_native_output(log_path: Path) -> None:
    """Point this process's fds 1 and 2 at the log file, so stray native prints (and crash
    messages such as GGML_ASSERT) land there. Called only inside the worker process."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    rotate_if_large(log_path)
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def install(log_path: Path, level: int = logging.INFO) -> tuple[LlamaLog, object]:
    """Send llama.cpp's log to ``log_path``; returns the sink and the callback to keep alive."""
    import llama_cpp

    logger = logging.getLogger("llama.cpp")
    logger.setLevel(level)
    logger.propagate = False
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger.addHandler(handler)
    sink = LlamaLog(logger)

    def on_log(level_: int, text: bytes | None, _user_data: object) -> None:
        sink.write(int(level_), (text or b"").decode("utf-8", errors="replace"))

    callback = llama_cpp.llama_log_callback(on_log)
    llama_cpp.llama_log_set(callback, ctypes_null())
    return sink, callback


def ctypes_null() -> object:
    """A NULL ``void *`` for user_data arguments."""
    import ctypes

    return ctypes.c_void_p(0)
