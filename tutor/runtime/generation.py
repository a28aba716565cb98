"""A running generation as the caller sees it: an iterator of tokens with a result at the end.

The client (:mod:`tutor.runtime.client`) owns the conversation with the worker; a
:class:`Generation` reads the :class:`Stream` the client fills and asks for more through the
two functions the client hands it, so it never touches the client's own state. Several
threads may hold Generations of the same client: only the newest can still be running.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from types import TracebackType

from tutor.runtime.errors import ModelRuntimeError
from tutor.runtime.types import GeneratedToken, GenerationResult


@dataclasses.dataclass
class Stream:
    """A generation's request as the client tracks it: tokens received and not yet read, and
    how it ended. Shared by the client (which fills it) and the Generation (which reads it)."""

    request_id: int
    pending: collections.deque[GeneratedToken] = dataclasses.field(
        default_factory=collections.deque
    )
    result: GenerationResult | None = None
    error: ModelRuntimeError | None = None
    done: bool = False


class Generation(Iterator[GeneratedToken]):
    """A running generation: iterate for tokens; ``result`` is set when it ends.

    Use it as a context manager (or call ``close()``) so an abandoned generation is cancelled
    at once; the client's next call also ends one left running. It talks to the client only
    through the two functions the client hands it.
    """

    def __init__(
        self, stream: Stream, pump: Callable[[Stream], None], cancel: Callable[[int], None]
    ) -> None:
        self._stream = stream
        self._pump = pump  # receives the next reply into the stream
        self._cancel = cancel  # cancels one request id

    @property
    def result(self) -> GenerationResult | None:
        """How the generation ended (None while it runs, or if it failed)."""
        return self._stream.result

    @property
    def finished(self) -> bool:
        """True once the worker has answered the request's end (or the worker died)."""
        return self._stream.done

    def __iter__(self) -> Generation:
        return self

    def __next__(self) -> GeneratedToken:
        stream = self._stream
        while not stream.pending:
            if stream.done:
                error, stream.error = stream.error, None
                if error is not None:
                    raise error  # once; then the iteration is over
                raise StopIteration
            self._pump(stream)
        return stream.pending.popleft()

    def cancel(self) -> None:
        """Stop generating after the current token (the result says 'cancelled')."""
        if not self._stream.done:
            self._cancel(self._stream.request_id)

    def close(self) -> None:
        """Cancel if still running and wait for the worker to confirm."""
        if self._stream.done:
            return
        self.cancel()
        try:
            for _ in self:
                pass
        except ModelRuntimeError:
            pass

    def __enter__(self) -> Generation:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Garbage-collected unfinished: only cancel (no lock here: the collector may run on a
        # thread that holds it); the client's next call drains the worker's confirmation.
        with contextlib.suppress(Exception):
            self.cancel()
