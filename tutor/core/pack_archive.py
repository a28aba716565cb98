"""Sharing packs: build one reproducible .zip, and install a pack from a stranger safely.

``build_pack`` writes ``<id>-<version>.zip``: the pack's files in sorted order with fixed
timestamps and permissions (the same pack always gives the same bytes) and a ``MANIFEST.sha256``
listing every file's hash.

``install_pack`` takes such a zip (or a folder) from anyone. A pack can never run code, so the
danger is the archive itself; every entry is checked before one byte is written, and sizes are
counted from the data as it is extracted, not from the headers:

- names: no absolute paths, no ``..``, no backslashes or drive letters, no control characters,
  no duplicates, no two names that differ only by case, at most ``MAX_ENTRIES`` entries;
- kinds: regular files and folders only: no symlinks, hard links, devices or FIFOs;
- types: only ``ALLOWED_SUFFIXES`` (markdown, TOML, plain text), UTF-8 text;
- sizes: each file at most ``MAX_FILE_BYTES``, all of them at most ``MAX_TOTAL_BYTES``, and no
  file compressed more than ``MAX_RATIO`` to 1 (zip bombs);
- content: the manifest's hashes match, and the pack passes ``pack check``.

Extraction goes into a scratch folder inside the packs folder (the same filesystem), and only a
checked pack is renamed into place: an interrupted or refused install leaves no half pack and no
stray files. Progress stays keyed by pack id, so an upgrade (same id, higher version) keeps it;
a lower version, or a different pack (other authors) claiming a taken id, is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

from tutor.core.errors import PackError, Problem
from tutor.core.pack import Pack, load_pack
from tutor.core.pack_library import InstalledPack, entry, packs_dir

MANIFEST = "MANIFEST.sha256"
ALLOWED_SUFFIXES = frozenset({".md", ".toml", ".txt", ".sha256"})
MAX_ENTRIES = 500
MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 20_000_000
MAX_RATIO = 100
FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # zip's epoch is 1980; any fixed date makes builds repeatable
BLOCK = 64 * 1024
_VERSION = re.compile(r"^\d+(\.\d+)*")


# --- build -----------------------------------------------------------------------------------


def pack_files(root: Path) -> list[Path]:
    """The files that make up the pack at ``root``, sorted: what a build or install carries."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
        and p.suffix in ALLOWED_SUFFIXES
        and p.name != MANIFEST
    )


def build_pack(root: Path, out: Path | None = None) -> Path:
    """Check the pack at ``root`` and write its reproducible zip; returns the zip's path."""
    pack = full_check(root)  # a pack that fails the check is never shared
    files = pack_files(root)
    target = out if out is not None and out.suffix == ".zip" else None
    if target is None:
        folder = out or Path.cwd()
        target = folder / f"{pack.id}-{pack.version}.zip"
    manifest = "".join(
        f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(root).as_posix()}\n"
        for f in files
    )
    target.parent.mkdir(parents=True, exist_ok=True)  # `-o dist/` may name a new folder
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [(MANIFEST, manifest.encode()), *_contents(root, files)]:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    os.replace(tmp, target)
    return target


def _contents(root: Path, files: list[Path]) -> Iterator[tuple[str, bytes]]:
    for f in files:
        yield f.relative_to(root).as_posix(), f.read_bytes()


# --- install ---------------------------------------------------------------------------------


def install_pack(source: Path) -> tuple[InstalledPack, InstalledPack | None]:
    """Install the pack in ``source`` (a .zip or a folder); returns it and the one it replaced."""
    packs_dir().mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".install-", dir=packs_dir()))
    try:
        staged = scratch / "pack"
        if source.is_dir():
            _copy_folder(source, staged)
        elif source.is_file():
            _extract_zip(source, staged)
        else:
            raise _refuse(source, "no such file or folder")
        _check_manifest(source, staged)
        pack = full_check(staged, shown_as=source)
        previous = _replaceable(source, pack)
        final = packs_dir() / pack.id
        if previous is not None:
            os.replace(final, scratch / "previous")  # the old version goes out with the scratch
        os.replace(staged, final)
        return entry(load_pack(final)), previous
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def full_check(root: Path, shown_as: Path | None = None) -> Pack:
    """The pack at ``root`` if ``pack check`` finds nothing (lessons, links and every quiz),
    else PackError with every problem; ``shown_as`` names the files as the author knows them
    (the archive or folder given, not the scratch folder they were extracted to)."""
    from tutor.core.check import check_pack  # the quiz models, only when checking

    problems, _summary = check_pack(root)
    if problems:
        if shown_as is not None:
            problems = [_as_given(p, root, shown_as) for p in problems]
        raise PackError(problems)
    return load_pack(root)


def _as_given(problem: Problem, root: Path, shown_as: Path) -> Problem:
    if not problem.file.is_relative_to(root):
        return problem
    return Problem(shown_as / problem.file.relative_to(root), problem.line, problem.message)


def _refuse(source: Path, message: str) -> PackError:
    return PackError([Problem(source, None, f"refused: {message}; nothing was installed")])


def _check_name(source: Path, name: str, seen: set[str]) -> PurePosixPath:
    """The entry's path if it is a safe, new, relative name inside the pack."""
    if not name or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise _refuse(source, f"entry {name!r} has control characters in its name")
    if "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise _refuse(source, f"entry {name!r} is a Windows path")
    path = PurePosixPath(name)
    if path.is_absolute():
        raise _refuse(source, f"entry {name!r} is an absolute path")
    if ".." in path.parts:
        raise _refuse(source, f"entry {name!r} points outside the pack ('..')")
    key = path.as_posix().rstrip("/").lower()
    if key in seen:
        raise _refuse(source, f"entry {name!r} appears twice (names differing only by case count)")
    seen.add(key)
    return path


def _check_kind(source: Path, name: str, suffix: str) -> None:
    if suffix not in ALLOWED_SUFFIXES:
        allowed = ", ".join(sorted(ALLOWED_SUFFIXES))
        raise _refuse(source, f"entry {name!r} is not a pack file type ({allowed})")


def _extract_zip(source: Path, staged: Path) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(
            source, f"not a readable zip archive ({exc}; make one with `llm-tutor pack build`)"
        ) from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise _refuse(source, f"{len(entries)} entries, more than the limit of {MAX_ENTRIES}")
        seen: set[str] = set()
        plan = []
        for info in entries:
            path = _check_name(source, info.filename, seen)
            mode = info.external_attr >> 16
            if info.is_dir():
                continue
            if stat.S_IFMT(mode) and not stat.S_ISREG(mode):  # no type bits: a plain file
                raise _refuse(source, f"entry {info.filename!r} is a link or special file")
            _check_kind(source, info.filename, path.suffix)
            plan.append((info, path))
        total = 0
        for info, path in plan:
            total += _extract_one(source, archive, info, staged / path, MAX_TOTAL_BYTES - total)


def _extract_one(
    source: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int
) -> int:
    """Copy one entry, counting its real size as it comes out; returns the bytes written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(info) as data, target.open("xb") as sink:
        while block := _read_block(source, info, data):
            written += len(block)
            if written > MAX_FILE_BYTES:
                raise _refuse(source, f"{info.filename} is larger than {MAX_FILE_BYTES:,} bytes")
            if written > budget:
                raise _refuse(source, f"the files add up to more than {MAX_TOTAL_BYTES:,} bytes")
            if written > MAX_RATIO * max(info.compress_size, 1) and written > BLOCK:
                raise _refuse(
                    source, f"{info.filename} expands more than {MAX_RATIO}:1 (zip bomb?)"
                )
            sink.write(block)
    _check_text(source, info.filename, target)
    return written


def _read_block(source: Path, info: zipfile.ZipInfo, data: IO[bytes]) -> bytes:
    """The next block of an entry; a damaged or forged entry (a header that lies about its
    size fails the CRC, a corrupt stream fails zlib) is refused, not a traceback."""
    try:
        return data.read(BLOCK)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _refuse(source, f"entry {info.filename!r} is damaged ({exc})") from None


def _check_text(source: Path, name: str, target: Path) -> None:
    try:
        target.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(source, f"{name} is not UTF-8 text (byte {exc.start})") from exc


def _copy_folder(source: Path, staged: Path) -> None:
    """A folder goes through the same rules as an archive (links, kinds, types, sizes)."""
    seen: set[str] = set()
    total, count = 0, 0
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(part.startswith(".") for part in rel.parts):
            continue  # .git and editor files are not part of a pack
        count += 1
        if count > MAX_ENTRIES:
            raise _refuse(source, f"more than {MAX_ENTRIES} files")
        _check_name(source, rel.as_posix(), seen)
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            continue
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(source, f"{rel} is a link or special file")
        if info.st_nlink > 1:
            raise _refuse(source, f"{rel} is a hard link")
        _check_kind(source, rel.as_posix(), path.suffix)
        total += _copy_one(source, path, staged / rel, MAX_TOTAL_BYTES - total)


def _copy_one(source: Path, path: Path, target: Path, budget: int) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as data:
        chunk = data.read(MAX_FILE_BYTES + 1)
    if len(chunk) > MAX_FILE_BYTES:
        raise _refuse(source, f"{path.name} is larger than {MAX_FILE_BYTES:,} bytes")
    if len(chunk) > budget:
        raise _refuse(source, f"the files add up to more than {MAX_TOTAL_BYTES:,} bytes")
    target.write_bytes(chunk)
    _check_text(source, path.name, target)
    return len(chunk)


def _check_manifest(source: Path, staged: Path) -> None:
    """When the pack carries a manifest, every file must be listed and match its hash."""
    manifest = staged / MANIFEST
    if not manifest.is_file():
        return
    listed: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    present = {f.relative_to(staged).as_posix() for f in pack_files(staged)}
    if set(listed) != present:
        odd = sorted(set(listed) ^ present)[:3]
        raise _refuse(source, f"the manifest does not list the files it carries ({', '.join(odd)})")
    for name, digest in listed.items():
        if hashlib.sha256((staged / name).read_bytes()).hexdigest() != digest:
            raise _refuse(source, f"{name} does not match its sha256 in the manifest")


def _replaceable(source: Path, pack: Pack) -> InstalledPack | None:
    """The installed pack this one upgrades, or None; refuses downgrades and id clashes."""
    from tutor.core.paths import builtin_course_dir

    if pack.id == load_pack(builtin_course_dir()).id:
        raise _refuse(source, f"the id '{pack.id}' is the built-in course's")
    folder = packs_dir() / pack.id
    if not folder.exists():
        return None
    current = load_pack(folder)
    if current.authors != pack.authors:
        raise _refuse(
            source,
            f"a different pack ('{current.title}' by {', '.join(current.authors)}) already "
            f"uses the id '{pack.id}'",
        )
    if _version_key(pack.version) <= _version_key(current.version):
        raise _refuse(
            source,
            f"version {pack.version} is not newer than the installed {current.version} "
            "(raise the version in pack.toml to upgrade)",
        )
    return entry(current)


def _version_key(version: str) -> tuple[int, ...]:
    match = _VERSION.match(version)
    return tuple(int(n) for n in match.group(0).split(".")) if match else (0,)
