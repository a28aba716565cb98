"""Read files nobody vouches for (pack manifests, lessons, quizzes, import files) safely.

One reader for every untrusted file, so the same rules hold everywhere:

* only regular files are read: a FIFO would hang the app, ``/dev/zero`` would fill memory;
* a symbolic link is refused, and with a ``root`` nothing outside that folder is read (a pack
  cannot show a learner ``~/.ssh/id_rsa`` by linking to it);
* the size cap is enforced *while reading* (``st_size`` of a device is 0, so checking it first
  proves nothing);
* the text must be UTF-8.

It also holds what every TOML-reading loader needs once: turning ``tomllib``'s error into a
line and a sentence, finding the line a key is written on, and the slug pattern.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

# One cap for every file of a pack: a lesson of 1 MB is already a small book.
MAX_FILE_BYTES = 1_000_000
_CHUNK = 64 * 1024

SLUG_BODY = r"[a-z0-9]+(?:-[a-z0-9]+)*"  # one slug, to embed in a bigger pattern
SLUG_PATTERN = rf"^{SLUG_BODY}$"  # for pydantic's pattern=, where '$' is the very end
SLUG = re.compile(SLUG_BODY)
SLUG_RULE = "lowercase letters, digits and '-'"


def is_slug(text: str) -> bool:
    """True when all of ``text`` is one slug (Python's ``$`` would also let "abc\\n" through)."""
    return SLUG.fullmatch(text) is not None


def slugify(title: str, *, limit: int, fallback: str) -> str:
    """A slug made from a title (at most ``limit`` characters), or ``fallback`` when the title
    has no letters or digits to make one from."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:limit].strip("-") or fallback


class UntrustedFileError(Exception):
    """The file cannot be read safely; the message says why, in words."""


def read_text(path: Path, *, root: Path | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file ``path``, at most ``limit`` bytes.

    With ``root``, symbolic links are refused and ``path`` must lie inside ``root``. Raises
    :class:`UntrustedFileError` with a plain message for anything else.
    """
    if root is not None:
        _check_inside(path, root)
    data = _read_bytes(path, limit, follow=root is None)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UntrustedFileError(f"not UTF-8 text (byte {exc.start})") from exc


def _check_inside(path: Path, root: Path) -> None:
    """Refuse a link, or a path that leads out of ``root`` (through a linked folder, say)."""
    if path.is_symlink():
        raise UntrustedFileError("is a symbolic link (a pack must hold real files)")
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError as exc:
        raise UntrustedFileError("lies outside the pack folder") from exc


def _read_bytes(path: Path, limit: int, *, follow: bool) -> bytes:
    """Open without blocking (a FIFO), without following a final link, and read with a cap."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise UntrustedFileError("file not found") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UntrustedFileError("is a symbolic link (a pack must hold real files)") from exc
        raise UntrustedFileError(f"cannot read: {exc.strerror or exc}") from exc
    try:
        return _read_capped(fd, limit)
    finally:
        os.close(fd)


def _read_capped(fd: int, limit: int) -> bytes:
    """Everything in the open regular file ``fd``, refusing it once more than ``limit`` bytes."""
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        raise UntrustedFileError("is not a regular file (a device, pipe or folder)")
    os.set_blocking(fd, True)
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = os.read(fd, _CHUNK)
        except OSError as exc:
            raise UntrustedFileError(f"cannot read: {exc.strerror or exc}") from exc
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise UntrustedFileError(f"file is larger than {limit} bytes")
        chunks.append(chunk)


# -- TOML ----------------------------------------------------------------------------------

_TOML_AT = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$", re.DOTALL)
_TOML_AT_END = " (at end of document)"


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads`` that raises only :class:`TomlProblem` (with a line and a sentence)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, message = toml_error(exc, text)
        raise TomlProblem(line, message) from exc
    except RecursionError as exc:
        raise TomlProblem(1, "invalid TOML: nested too deeply") from exc


class TomlProblem(Exception):
    """A TOML syntax error: ``line`` (1-based, in the text given) and ``message``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def toml_error(exc: tomllib.TOMLDecodeError, text: str) -> tuple[int, str]:
    """Split tomllib's "message (at line L, column C)" into (L, "invalid TOML: message ...").

    An error at the very end (an unclosed list, say) is "(at end of document)": its line is
    the last line of ``text``. Python 3.11 only puts the position in the message.
    """
    message = str(exc)
    if message.endswith(_TOML_AT_END):
        last = len(text.rstrip("\n").splitlines()) or 1
        return last, f"invalid TOML: {message.removesuffix(_TOML_AT_END)} (at the end)"
    found = _TOML_AT.match(message)
    if found is None:
        return 1, f"invalid TOML: {message}"
    line, column = int(found.group(2)), int(found.group(3))
    return line, f"invalid TOML: {found.group(1)} (column {column})"


def key_line(text: str, key: str, start: int = 0, stop: int | None = None) -> int | None:
    """The 1-based line on which ``key = ...`` (bare or quoted) is written, if it can be found.

    TOML does not keep positions, so this scans lines ``start`` (0-based) to ``stop``.
    """
    pattern = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    lines = text.splitlines()
    for index in range(start, len(lines) if stop is None else min(stop, len(lines))):
        if pattern.match(lines[index]):
            return index + 1
    return None
