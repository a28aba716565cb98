"""Sharing packs: reproducible builds, and installs that refuse every hostile archive.

The hostile archives are built here, case by case, from a real pack; each install must be
refused with a message naming the problem, and must change nothing: no pack installed, nothing
written outside the packs folder, no scratch folder left behind.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tutor.core.authoring import new_pack
from tutor.core.errors import PackError
from tutor.core.pack_archive import MAX_ENTRIES, build_pack, install_pack
from tutor.core.pack_library import find_installed, installed_packs, packs_dir, remove_pack


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    return new_pack(tmp_path / "src", "Shared pack")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _everything(root: Path) -> set[Path]:
    """Every path under ``root`` (the test's own folder holds the data directory too)."""
    return {p for p in root.rglob("*") if p.name != "tutor-home"}


def _zip(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return path


def _base(pack: Path) -> list[tuple[zipfile.ZipInfo | str, bytes]]:
    return list(_files(pack).items())  # type: ignore[arg-type]


def _link(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def _fifo(name: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    return info, b""


def _misspell_a_type(quiz: bytes) -> bytes:
    return quiz.replace(b'type = "single"', b'type = "singel"', 1)


HOSTILE: dict[str, tuple[Callable[[Path], list[tuple[zipfile.ZipInfo | str, bytes]]], str]] = {
    "absolute path": (lambda p: [*_base(p), ("/tmp/evil.md", b"x")], "absolute path"),
    "dot-dot": (lambda p: [*_base(p), ("lessons/../../evil.md", b"x")], r"outside the pack"),
    "backslash": (lambda p: [*_base(p), ("..\\evil.md", b"x")], "Windows path"),
    "drive letter": (lambda p: [*_base(p), ("C:/evil.md", b"x")], "Windows path"),
    "symlink": (lambda p: [*_base(p), _link("lessons/02-link.md", "/etc/passwd")], "link"),
    "fifo": (lambda p: [*_base(p), _fifo("lessons/02-pipe.md")], "special file"),
    "duplicate": (lambda p: [*_base(p), ("pack.toml", b"id = 'x'")], "appears twice"),
    "case duplicate": (lambda p: [*_base(p), ("PACK.toml", b"x")], "differing only by case"),
    "too many entries": (
        lambda p: [*_base(p), *((f"notes/{i}.txt", b"x") for i in range(MAX_ENTRIES))],
        "more than the limit",
    ),
    "zip bomb": (lambda p: [*_base(p), ("notes/bomb.txt", b"0" * 900_000)], "expands more than"),
    "too big": (lambda p: [*_base(p), ("notes/big.txt", os.urandom(1_100_000))], "larger than"),
    "total too big": (
        lambda p: [
            *_base(p),
            *((f"notes/{i}.txt", os.urandom(900_000).hex()[:900_000].encode()) for i in range(23)),
        ],
        "add up to more",
    ),
    "executable type": (lambda p: [*_base(p), ("setup.py", b"import os")], "not a pack file type"),
    "html": (lambda p: [*_base(p), ("lessons/x.html", b"<script>")], "not a pack file type"),
    "not utf-8": (lambda p: [*_base(p), ("notes/latin1.txt", "café".encode("latin-1"))], "UTF-8"),
    "control chars": (lambda p: [*_base(p), ("notes/\x1b[31m.txt", b"x")], "control characters"),
    "fails pack check": (
        lambda p: [(n, d) if n != "pack.toml" else (n, b"title = 3\n") for n, d in _base(p)],
        "pack.toml",
    ),
    "quiz fails pack check": (  # the lessons load: only the full check finds it
        lambda p: [
            (n, _misspell_a_type(d) if n.startswith("quizzes/") else d) for n, d in _base(p)
        ],
        r"quizzes/01-getting-started\.toml:\d+: .*unknown type 'singel'",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_archives_are_refused_and_change_nothing(
    case: str, pack: Path, tmp_path: Path
) -> None:
    make, message = HOSTILE[case]
    archive = _zip(tmp_path / f"{case.replace(' ', '-')}.zip", make(pack))
    before = _everything(tmp_path)
    with pytest.raises(PackError, match=message):
        install_pack(archive)
    assert installed_packs() == []
    assert [p.name for p in packs_dir().iterdir()] == []  # no half pack, no scratch folder
    assert _everything(tmp_path) - {packs_dir()} == before  # nothing else written anywhere
    assert not Path("/tmp/evil.md").exists()


def test_a_manifest_that_does_not_match_is_refused(pack: Path, tmp_path: Path) -> None:
    built = build_pack(pack, tmp_path)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(tampered, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(
                info, data + b"\n<!-- changed -->\n" if info.filename.endswith(".md") else data
            )
    with pytest.raises(PackError, match="does not match its sha256"):
        install_pack(tampered)


def test_a_folder_with_a_symlink_or_hard_link_is_refused(pack: Path) -> None:
    (pack / "lessons" / "02-link.md").symlink_to("/etc/passwd")
    with pytest.raises(PackError, match="link or special file"):
        install_pack(pack)
    (pack / "lessons" / "02-link.md").unlink()
    os.link(pack / "README.md", pack / "notes.txt")
    with pytest.raises(PackError, match="hard link"):
        install_pack(pack)


def test_a_folder_failing_pack_check_is_refused_naming_its_own_files(pack: Path) -> None:
    """Problems name the author's files, not the scratch folder they were checked in."""
    quiz = pack / "quizzes" / "01-getting-started.toml"
    quiz.write_bytes(_misspell_a_type(quiz.read_bytes()))
    with pytest.raises(PackError) as refused:
        install_pack(pack)
    assert [p.file for p in refused.value.problems] == [quiz]
    assert installed_packs() == [] and [p.name for p in packs_dir().iterdir()] == []
    with pytest.raises(PackError, match="unknown type 'singel'"):
        build_pack(pack)  # nor is it shared


def test_a_fifo_in_a_folder_is_refused(pack: Path) -> None:
    os.mkfifo(pack / "lessons" / "02-pipe.md")
    with pytest.raises(PackError, match="link or special file"):
        install_pack(pack)


def test_builds_are_reproducible(pack: Path, tmp_path: Path) -> None:
    first = build_pack(pack, tmp_path / "a.zip").read_bytes()
    os.utime(pack / "pack.toml", (1, 1))  # timestamps on disk do not matter
    second = build_pack(pack, tmp_path / "b.zip").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        names = archive.namelist()
        assert names[0] == "MANIFEST.sha256" and names[1:] == sorted(names[1:])
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_build_names_the_zip_by_id_and_version(pack: Path, tmp_path: Path) -> None:
    built = build_pack(pack, tmp_path)
    assert built.name.startswith("shared-pack-") and built.name.endswith("-0.1.0.zip")


def test_build_into_a_folder_not_made_yet(pack: Path, tmp_path: Path) -> None:
    """`pack build DIR -o dist/` creates dist/ (it used to end in a traceback)."""
    built = build_pack(pack, tmp_path / "dist")
    assert built.parent == tmp_path / "dist" and built.suffix == ".zip"


def test_install_upgrade_downgrade_and_id_clash(pack: Path, tmp_path: Path) -> None:
    installed, replaced = install_pack(build_pack(pack, tmp_path))
    assert replaced is None and find_installed(installed.id) == packs_dir() / installed.id
    assert _files(installed.folder)["pack.toml"] == (pack / "pack.toml").read_bytes()
    with pytest.raises(PackError, match=r"not newer than the installed 0\.1\.0"):
        install_pack(build_pack(pack, tmp_path))
    manifest = pack / "pack.toml"
    manifest.write_text(manifest.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    upgraded, replaced = install_pack(build_pack(pack, tmp_path))
    assert upgraded.version == "0.2.0" and replaced is not None and replaced.version == "0.1.0"
    manifest.write_text(
        manifest.read_text()
        .replace('version = "0.2.0"', 'version = "0.3.0"')
        .replace('"Your Name"', '"Somebody Else"')
    )
    with pytest.raises(PackError, match="a different pack"):
        install_pack(pack)
    assert [p.version for p in installed_packs()] == ["0.2.0"]
    assert remove_pack(installed.id) and installed_packs() == [] and not remove_pack(installed.id)


def test_an_upgrade_keeps_the_learners_progress(pack: Path, tmp_path: Path) -> None:
    """Progress is keyed by pack id and lesson slug, apart from the pack's files."""
    from tutor.core.progress import ProgressStore

    installed, _ = install_pack(build_pack(pack, tmp_path))
    with ProgressStore.open() as store:
        store.lesson_opened(installed.id, "getting-started")
        store.lesson_completed(installed.id, "getting-started")
    manifest = pack / "pack.toml"
    manifest.write_text(manifest.read_text().replace('version = "0.1.0"', 'version = "0.2.0"'))
    upgraded, replaced = install_pack(build_pack(pack, tmp_path))
    assert replaced is not None and upgraded.id == installed.id
    with ProgressStore.open() as store:
        assert store.lesson_progress(upgraded.id)["getting-started"].status == "done"


def test_an_entry_whose_header_lies_about_its_size_is_refused(pack: Path, tmp_path: Path) -> None:
    """The headers say 10 bytes; the data is 5 MB: zipfile stops at 10 and the CRC fails."""
    import struct

    archive = _zip(tmp_path / "liar.zip", [*_base(pack), ("notes/big.txt", b"0" * 5_000_000)])
    data = bytearray(archive.read_bytes())
    name = b"notes/big.txt"
    for signature, size_at, name_length_at, header in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        at = data.find(signature)
        while at != -1:
            length = struct.unpack_from("<H", data, at + name_length_at)[0]
            if data[at + header : at + header + length] == name:
                struct.pack_into("<I", data, at + size_at, 10)
            at = data.find(signature, at + 4)
    archive.write_bytes(bytes(data))
    with pytest.raises(PackError, match=r"'notes/big\.txt' is damaged"):
        install_pack(archive)
    assert [p.name for p in packs_dir().iterdir()] == []
