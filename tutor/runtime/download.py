"""Downloading catalog models from the Hugging Face Hub, pinned, checked and resumable.

A catalog entry pins a commit and the file's sha256; one that does not is pinned at its first
pull: the branch is resolved to a commit and the sha256 read from the hub's own metadata (the
LFS object id, via ``huggingface_hub.get_hf_file_metadata``), and both are recorded in
``models.lock.json``. The file is then fetched at that commit into ``.<name>.<sha>.part`` beside
its target, resuming with an HTTP ``Range`` request from whatever an earlier, interrupted command
left there (huggingface_hub 2.x discards its own partial files, so this module keeps its own),
retrying a dropped connection within the same call, and checked against the sha256 before it is
renamed into place: a mismatch removes it.
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
from urllib.parse import urlsplit

from tutor.runtime.catalog import CatalogModel, Pin, downloaded_path, locked_pin, write_lock
from tutor.runtime.errors import ChecksumMismatchError, DownloadError, OfflineError
from tutor.runtime.gguf_file import file_sha256

ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes total)
TRUE_VALUES = {"1", "on", "yes", "true"}
ATTEMPTS = 3  # tries within one command; each resumes where the last one stopped
BLOCK = 1 << 20


def offline_requested() -> bool:
    """True if the environment asks for offline mode (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE)."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.strip().lower() in TRUE_VALUES


def pull(
    model: CatalogModel, *, progress: ProgressCallback | None = None, endpoint: str | None = None
) -> Path:
    """Download ``model`` (if not already there and intact) and return its path."""
    target = downloaded_path(model)
    locked = locked_pin(model)
    if target.is_file() and locked and file_sha256(target) == locked.sha256:
        return target
    endpoint = endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    if offline_requested():
        raise OfflineError(
            f"offline mode is on (HF_HUB_OFFLINE) and {model.id!r} has not been downloaded "
            f"yet; connect to the internet and run `llm-tutor models pull {model.id}` again "
            "(the default model always works offline)"
        )
    if not _reachable(endpoint):
        raise OfflineError(
            f"the Hugging Face Hub ({endpoint}) cannot be reached and {model.id!r} has not been "
            "downloaded yet; connect to the internet and run "
            f"`llm-tutor models pull {model.id}` again"
        )
    pin = locked or _resolve_pin(model, endpoint)
    part = target.with_name(f".{target.name}.{pin.sha256[:16]}.part")
    _fetch(model, _file_url(model, pin.revision, endpoint), part, progress)
    _check_sha256(part, model, pin.sha256)
    os.replace(part, target)
    write_lock(model, pin)
    return target


def _file_url(model: CatalogModel, revision: str, endpoint: str) -> str:
    from huggingface_hub import hf_hub_url

    return hf_hub_url(model.repo, model.filename, revision=revision, endpoint=endpoint)


def _resolve_pin(model: CatalogModel, endpoint: str) -> Pin:
    """Ask the hub which commit ``model.revision`` (default: main) is, and the file's sha256."""
    from huggingface_hub import get_hf_file_metadata
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError

    url = _file_url(model, model.revision or "main", endpoint)
    try:
        meta = get_hf_file_metadata(url, endpoint=endpoint)
    except (EntryNotFoundError, HfHubHTTPError) as err:
        response = getattr(err, "response", None)
        status = getattr(response, "status_code", 404) or 404
        raise _http_error(model, status, getattr(response, "reason_phrase", "")) from err
    except Exception as err:  # transport errors
        raise DownloadError(f"asking the hub about {model.id!r} failed ({err}); try again") from err
    sha = (meta.etag or "").strip('"').removeprefix("W/").strip('"').lower()
    if not meta.commit_hash or len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise DownloadError(
            f"the hub did not give a commit and an LFS sha256 for {model.repo}/{model.filename}, "
            "so it cannot be pinned; use a local .gguf with `llm-tutor models use PATH` instead"
        )
    return Pin(meta.commit_hash, sha)


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


def _fetch(model: CatalogModel, url: str, part: Path, progress: ProgressCallback | None) -> None:
    """Bring ``part`` up to ``model.size`` bytes from ``url``, resuming what is already there."""
    part.parent.mkdir(parents=True, exist_ok=True)
    failure: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            if _fetch_once(model, url, part, progress):
                return
        except DownloadError:
            raise
        except Exception as err:  # dropped connections, timeouts: try again from where it stopped
            failure = err
    kept = part.stat().st_size if part.exists() else 0
    raise DownloadError(
        f"downloading {model.id!r} failed ({type(failure).__name__}: {failure}); run the same "
        f"command again: it resumes from {kept / 1e6:.1f} MB"
    ) from failure


def _fetch_once(
    model: CatalogModel, url: str, part: Path, progress: ProgressCallback | None
) -> bool:
    """One GET (with ``Range`` when resuming); True once the file has all its bytes."""
    from huggingface_hub.utils import build_hf_headers, get_session

    start = part.stat().st_size if part.exists() else 0
    if start >= model.size:  # a stale or overlong partial file: start over
        part.unlink(missing_ok=True)
        start = 0
    headers = build_hf_headers()
    if start:
        headers["Range"] = f"bytes={start}-"
    with get_session().stream("GET", url, headers=headers, follow_redirects=True) as response:
        if response.status_code >= 400:
            raise _http_error(model, response.status_code, response.reason_phrase)
        if response.status_code != 206:  # the server sent the whole file after all
            start = 0
        done = start
        with part.open("ab" if start else "wb") as sink:
            if progress:
                progress(done, model.size)
            for block in response.iter_bytes(BLOCK):
                if done + len(block) > model.size:
                    raise DownloadError(
                        f"the hub sent more than {model.size:,} bytes for {model.id!r}"
                    )
                sink.write(block)
                done += len(block)
                if progress:
                    progress(done, model.size)
    return done == model.size


def _http_error(model: CatalogModel, status: int, reason: str) -> DownloadError:
    """A readable error for an HTTP failure: the hub's trouble (5xx) or a refusal (404...)."""
    if status >= 500:
        return DownloadError(
            f"the Hugging Face Hub had a problem (HTTP {status}) while sending {model.id!r}; "
            "run the same command again later"
        )
    where = f"{model.repo}/{model.filename}@{(model.revision or 'main')[:10]}"
    return DownloadError(f"the hub refused {where}: HTTP {status} {reason}".rstrip())


def _check_sha256(path: Path, model: CatalogModel, expected: str) -> None:
    """Remove the file and raise if its sha256 is not the pinned one."""
    actual = file_sha256(path)
    if actual == expected:
        return
    path.unlink(missing_ok=True)
    raise ChecksumMismatchError(
        f"the downloaded {model.filename} is not the expected file (sha256 "
        f"{actual[:16]}... instead of {expected[:16]}...); it was removed. "
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
