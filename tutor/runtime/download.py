"""Downloading catalog models from the Hugging Face Hub, pinned and checked.

``hf_hub_download`` fetches the exact revision the catalog pins (retrying a dropped
connection within the same call), then this module checks the sha256 itself: a mismatch
removes the file.
Offline (``HF_HUB_OFFLINE`` set, or no network) it serves what is already downloaded and says
clearly when something is not. ``HF_ENDPOINT`` is read at call time (tests point it at a local
server imitating the hub).
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tutor.runtime.catalog import CatalogModel, downloaded_path
from tutor.runtime.errors import ChecksumMismatchError, DownloadError, OfflineError
from tutor.runtime.gguf_file import file_sha256

ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes total)
TRUE_VALUES = {"1", "on", "yes", "true"}


def offline_requested() -> bool:
    """True if the environment asks for offline mode (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE)."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().lower() in TRUE_VALUES


def pull(
    model: CatalogModel, *, progress: ProgressCallback | None = None, endpoint: str | None = None
) -> Path:
    """Download ``model`` (if not already there and intact) and return its path."""
    if not model.pinned:
        raise DownloadError(
            f"the catalog does not pin a revision and sha256 for {model.id!r} yet, so it cannot "
            "be downloaded safely; use a local .gguf with `llm-tutor models use PATH` instead"
        )
    target = downloaded_path(model)
    if target.is_file() and file_sha256(target) == model.sha256:
        return target
    offline = offline_requested()
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    if not offline and not _reachable(endpoint):
        raise OfflineError(
            f"the Hugging Face Hub ({endpoint}) cannot be reached and {model.id!r} has not been "
            "downloaded yet; connect to the internet and run "
            f"`llm-tutor models pull {model.id}` again"
        )
    path = _hf_download(model, target.parent, progress, endpoint, offline)
    _check_sha256(path, model)
    return path


def _reachable(endpoint: str, timeout: float = 3.0) -> bool:
    """A quick TCP check, so 'no network' is reported at once instead of after ~20 s of retries.
    Skipped (assumed reachable) when a proxy is configured."""
    if any(
        os.environ.get(v)
        for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY")
    ):
        return True
    url = urlsplit(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname or "", port), timeout=timeout):
            return True
    except OSError:
        return False


def _hf_download(
    model: CatalogModel,
    folder: Path,
    progress: ProgressCallback | None,
    endpoint: str,
    offline: bool,
) -> Path:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
    )

    folder.mkdir(parents=True, exist_ok=True)
    try:
        return Path(
            hf_hub_download(
                repo_id=model.repo,
                filename=model.filename,
                revision=model.revision,
                local_dir=folder,
                endpoint=endpoint,
                local_files_only=offline,
                tqdm_class=_progress_class(progress) if progress else None,
            )
        )
    except (LocalEntryNotFoundError, OfflineModeIsEnabled) as err:
        cause = err.__cause__ or err.__context__
        if isinstance(cause, (EntryNotFoundError, HfHubHTTPError)):
            raise _http_error(model, cause) from err
        why = (
            "offline mode is on (HF_HUB_OFFLINE)"
            if offline
            else "the Hugging Face Hub cannot be reached"
        )
        raise OfflineError(
            f"{why} and {model.id!r} has not been downloaded yet; connect to the internet and "
            f"run `llm-tutor models pull {model.id}` again (the default model always works offline)"
        ) from err
    except (EntryNotFoundError, HfHubHTTPError) as err:
        raise _http_error(model, err) from err
    except Exception as err:  # httpx transport errors, interrupted transfers, disk full...
        raise DownloadError(
            f"downloading {model.id!r} failed ({type(err).__name__}: {err}); run the same command "
            "again"
        ) from err


def _http_error(model: CatalogModel, err: BaseException) -> DownloadError:
    """A readable error for an HTTP failure: the hub's trouble (5xx) or a refusal (404...)."""
    status = getattr(getattr(err, "response", None), "status_code", 0) or 0
    if status >= 500:
        return DownloadError(
            f"the Hugging Face Hub had a problem (HTTP {status}) while sending {model.id!r}; "
            "run the same command again later"
        )
    first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
    return DownloadError(
        f"the hub refused {model.repo}/{model.filename}@{model.revision[:10]}: {first_line}"
    )


def _check_sha256(path: Path, model: CatalogModel) -> None:
    """Remove the file and raise if its sha256 is not the catalog's."""
    actual = file_sha256(path)
    if actual == model.sha256:
        return
    path.unlink(missing_ok=True)
    shutil.rmtree(path.parent / ".cache", ignore_errors=True)  # hf's metadata for the bad file
    raise ChecksumMismatchError(
        f"the downloaded {model.filename} is not the expected file (sha256 "
        f"{actual[:16]}... instead of {model.sha256[:16]}...); it was removed. "
        "Try again; if it persists, the catalog or the "
        "repository changed."
    )


def remove(model: CatalogModel) -> bool:
    """Delete a downloaded model's folder; False if there was nothing to delete."""
    folder = downloaded_path(model).parent
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True


def _progress_class(callback: ProgressCallback) -> type[Any]:
    """A tqdm subclass that reports to ``callback`` and draws nothing."""
    from tqdm.auto import tqdm

    class _Report(tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = False
            kwargs["file"] = open(os.devnull, "w")  # noqa: SIM115 - closed in close()
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            result = super().update(n)
            callback(int(self.n), int(self.total or 0))
            return result

        def close(self) -> None:
            super().close()
            if self.fp is not None:
                self.fp.close()

    return _Report
