"""The app's one model service: owns the single model client and keeps screens from waiting.

Every instrument reaches the model through here, from a thread worker:

    result = app.model_service.call(lambda client: client.next_token(prompt))

``call`` cancels whatever call is running (a stale request never holds up a new screen; the
client itself also ends a generation left running when the next call starts), starts
the worker process if it is not running (the first call after a crash starts a fresh one), and
keeps a ``ServiceStatus`` (loading / ready / failed, with the runtime's own message) that
screens follow through ``subscribe``. Nothing here touches a widget: listeners are called on the
thread that changed the status and must only post messages.

A second model to compare against (Gemma 3 270M: a 262k-token vocabulary against SmolLM2's
49k, a base model against an instruct one) is reached through ``second()``: its own service and
worker process, made only when a screen first asks, so learners who never compare never pay for
a second model in memory. ``second()`` is None when that model is not installed, and
``SECOND_MISSING`` says in one line how to install it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:  # the runtime (and numpy) load with the first model call, not at start-up
    from tutor.runtime.api import GenerationProtocol, ModelClientProtocol
    from tutor.runtime.types import GenerationSettings, ModelInfo

T = TypeVar("T")
SECOND_MODEL_ID = "gemma3-270m"  # the catalog's model to compare with (tutor/runtime/catalog.py)
COMPARE_KEY = "ctrl+o"  # the lab's key for "show the second model beside" (works while typing)
SECOND_MISSING = "Gemma 3 270M is not installed: `llm-tutor models pull gemma3-270m` adds it."
State = Literal["idle", "loading", "ready", "failed"]


@dataclass(frozen=True)
class ServiceStatus:
    """Where the model stands: ``message`` is the runtime's own words when ``failed``."""

    state: State
    message: str = ""
    info: ModelInfo | None = None


Listener = Callable[[ServiceStatus], object]


class ModelService:
    """One per app. Thread-safe: call it from workers, never from the UI thread."""

    def __init__(
        self,
        client_factory: Callable[[], ModelClientProtocol],
        second_factory: Callable[[], ModelClientProtocol | None] | None = None,
    ) -> None:
        """``client_factory`` makes the client on first use (``ModelClient(spec)``, or a fake);
        ``second_factory`` the comparison model's client, or None when it is not installed
        (asked again on each ``second()`` until it gives one, so a model pulled while the app
        runs is found)."""
        self._factory = client_factory
        self._second_factory = second_factory
        self._second: ModelService | None = None
        self._client: ModelClientProtocol | None = None
        self._mutex = threading.Lock()  # guards the fields below, never held during a call
        self._in_call = 0
        self._status = ServiceStatus("idle")
        self._listeners: list[Listener] = []

    # -- what screens read -----------------------------------------------------------------

    @property
    def client(self) -> ModelClientProtocol:
        """The one client (created on first use). Prefer ``call``: it cancels and tracks state."""
        with self._mutex:
            if self._client is None:
                self._client = self._factory()
            return self._client

    @property
    def status(self) -> ServiceStatus:
        return self._status

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every status change; returns the function that unsubscribes."""
        with self._mutex:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._mutex, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def second(self) -> ModelService | None:
        """The comparison model's own service (a second worker process, started by its first
        call), or None when no second model is installed. Cheap: nothing loads until a call."""
        with self._mutex:
            second, factory = self._second, self._second_factory
        if second is not None or factory is None:
            return second
        client = factory()
        if client is None:
            return None
        with self._mutex:
            if self._second is None:
                self._second = ModelService(lambda: client)
            return self._second

    # -- calls (from worker threads) ---------------------------------------------------------

    def call(self, op: Callable[[ModelClientProtocol], T]) -> T:
        """Run ``op(client)`` after cancelling the running call and starting the model if
        needed. Raises the runtime's ``ModelRuntimeError`` (its message is for the learner)."""
        from tutor.runtime.errors import WorkerCrashedError

        self.cancel()
        client = self.ensure_started()
        with self._counted():
            try:
                return op(client)
            except WorkerCrashedError as err:
                self._set(ServiceStatus("failed", str(err)))
                raise

    @contextlib.contextmanager
    def generation(
        self, prompt: Any, settings: GenerationSettings | None = None
    ) -> Iterator[GenerationProtocol]:
        """A running generation (iterate it for tokens); cancelled and closed on exit."""
        from tutor.runtime.errors import WorkerCrashedError

        self.cancel()
        client = self.ensure_started()
        with self._counted():
            try:
                with client.generate(prompt, settings) as gen:
                    yield gen
            except WorkerCrashedError as err:
                self._set(ServiceStatus("failed", str(err)))
                raise

    def ensure_started(self) -> ModelClientProtocol:
        """The client with its model loaded (blocks while it loads); status follows."""
        from tutor.runtime.errors import ModelRuntimeError

        client = self.client
        if client.running and client.model_info is not None:
            if self._status.state != "ready":
                self._set(ServiceStatus("ready", info=client.model_info))
            return client
        self._set(ServiceStatus("loading"))
        try:
            info = client.start()
        except ModelRuntimeError as err:
            self._set(ServiceStatus("failed", str(err)))
            raise
        self._set(ServiceStatus("ready", info=info))
        return client

    def restart(self) -> ModelInfo:
        """Stop the worker, whatever its state, and load the model again (blocks)."""
        from tutor.runtime.errors import ModelRuntimeError

        self.cancel()
        client = self.client
        self._set(ServiceStatus("loading"))
        try:
            info: ModelInfo = client.restart()
        except ModelRuntimeError as err:
            self._set(ServiceStatus("failed", str(err)))
            raise
        self._set(ServiceStatus("ready", info=info))
        return info

    def cancel(self) -> None:
        """Cancel the running operation (never a model load), from any thread."""
        with self._mutex:
            busy, client = self._in_call > 0, self._client
        if busy and client is not None:
            client.cancel()

    def close(self) -> None:
        """Stop the worker process, and the second model's if one started (the app is quitting)."""
        with self._mutex:
            client, self._client = self._client, None
            second, self._second = self._second, None
        if client is not None:
            client.close()
        if second is not None:
            second.close()
        self._set(ServiceStatus("idle"))

    # -- plumbing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _counted(self) -> Iterator[None]:
        with self._mutex:
            self._in_call += 1
        try:
            yield
        finally:
            with self._mutex:
                self._in_call -= 1

    def _set(self, status: ServiceStatus) -> None:
        with self._mutex:
            changed = status != self._status
            self._status = status
            listeners = list(self._listeners)
        if changed:
            for listener in listeners:
                listener(status)


def installed_second_client(first_spec: str | None = None) -> Any | None:
    """A ``ModelClient`` (not started) for the model to compare with, or None if not installed.

    That is Gemma 3 270M, unless the learner's own model is Gemma: then the catalog's default
    (SmolLM2), so the comparison is never a model against itself.
    """
    from tutor.runtime import ModelClient
    from tutor.runtime.catalog import chosen_spec, installed_path, load_catalog
    from tutor.runtime.protocol import threads_beside_ui

    catalog = load_catalog()
    first = first_spec or chosen_spec() or catalog.default
    wanted = catalog.default if first == SECOND_MODEL_ID else SECOND_MODEL_ID
    path = installed_path(catalog.get(wanted))
    return None if path is None else ModelClient(path, n_threads=threads_beside_ui())


@functools.lru_cache(maxsize=8)
def _catalog_name(path: str) -> str | None:
    from tutor.runtime.catalog import installed_path, load_catalog

    for entry in load_catalog().models:
        found = installed_path(entry)
        if found is not None and os.path.samefile(found, path):
            return entry.name
    return None


def model_label(info: ModelInfo | None) -> str:
    """A short name for a loaded model: its catalog name (``SmolLM2 135M Instruct (Q4_1)``)
    when the file is a catalog model's, else the name written in the file."""
    if info is None:
        return "(loading…)"
    try:
        return _catalog_name(info.path) or info.name
    except OSError:  # a file that moved or a fake's path: the file's own name will do
        return info.name
