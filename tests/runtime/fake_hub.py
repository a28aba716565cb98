"""A loopback HTTP server that serves files the way the Hugging Face Hub does.

``HEAD/GET /{repo}/resolve/{revision}/{filename}`` answer with the hub's headers
(``X-Repo-Commit`` with the commit a branch points at, ``ETag`` / ``X-Linked-Etag`` with the LFS
sha256, ``X-Linked-Size``, ``Content-Length``, ``Accept-Ranges``), honour ``Range`` for resumed
downloads, and can misbehave on request: cut a transfer halfway, then fail with 500s.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class HubState:
    """Files served and the misbehaviour to act out."""

    files: dict[str, bytes] = field(default_factory=dict)  # "repo/revision/filename" -> content
    refs: dict[str, str] = field(default_factory=dict)  # "repo/branch" -> commit it points at
    cut_next_get_at: int | None = None  # send this many bytes of the next GET, then drop it
    fail_after_cut: bool = False  # answer 500 to every request after a cut
    broken: bool = False
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range


class _Handler(BaseHTTPRequestHandler):
    state: HubState

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        st = self.state
        st.requests.append((self.command, self.path, self.headers.get("Range")))
        if st.broken:
            self.send_error(500, "hub trouble")
            return
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            self.send_error(404)
            return
        repo = parts[0] + "/" + parts[1]
        commit = st.refs.get(f"{repo}/{parts[3]}", parts[3])  # a branch resolves to its commit
        data = st.files.get("/".join([repo, commit, "/".join(parts[4:])]))
        if data is None:
            self.send_error(404, "Entry not found")
            return
        start = self._range_start()
        self.send_response(206 if start else 200)
        # As the hub does for LFS files: the commit, and the LFS object's sha256 as its ETag.
        self.send_header("X-Repo-Commit", commit)
        self.send_header("ETag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("X-Linked-Etag", f'"{hashlib.sha256(data).hexdigest()}"')
        self.send_header("X-Linked-Size", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(data) - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if body:
            self._send_body(data[start:])

    def _range_start(self) -> int:
        value = self.headers.get("Range")
        if not value or not value.startswith("bytes="):
            return 0
        return int(value[6:].split("-")[0] or 0)

    def _send_body(self, data: bytes) -> None:
        st = self.state
        if st.cut_next_get_at is not None:
            cut, st.cut_next_get_at = st.cut_next_get_at, None
            self.wfile.write(data[:cut])
            self.wfile.flush()
            st.broken = st.fail_after_cut
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(data)


class FakeHub:
    """Runs the server on a free loopback port; ``url`` goes into HF_ENDPOINT."""

    def __init__(self) -> None:
        self.state = HubState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
