"""The app's one model service: owns the single model client and keeps screens from waiting.

Every instrument reaches the model through here, from a thread worker:

    result = app.model_service.call(lambda client: client.next_token(prompt))

``call`` cancels whatever call is running (a stale request never holds up a new screen; the
client itself also ends a generation left running when the next call starts), starts
the worker process if it is not running (the first call after a crash starts a fresh one), and
keeps a ``ServiceStatus`` (loading / ready / failed, with the runtime's own message) that
screens follow through ``subscribe``. Nothing here touches a widget: listeners are called on the
thread that changed the status and must only post messages.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:  # the runtime (and numpy) load with the first model call, not at start-up
    from tutor.runtime.api import GenerationProtocol, ModelClientProtocol
    from tutor.runtime.types import GenerationSettings, ModelInfo

T = TypeVar("T")
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

    def __init__(self, client_factory: Callable[[], ModelClientProtocol]) -> None:
        """``client_factory`` makes the client on first use (``ModelClient(spec)``, or a fake)."""
        self._factory = client_factory
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
        """Stop the worker process (the app is quitting)."""
        with self._mutex:
            client, self._client = self._client, None
        if client is not None:
            client.close()
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
