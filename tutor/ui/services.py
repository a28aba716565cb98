"""What a screen may ask of the app: the pack, the progress store, settings, the model, navigation.

Screens depend on this protocol, never on the concrete ``TutorApp``, so a screen can be
written (and read) without knowing how the app is put together. ``TutorApp`` implements it;
``services(widget)`` returns it typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.notifications import SeverityLevel

    from tutor.core.pack import Pack
    from tutor.core.progress import ProgressStore
    from tutor.core.settings import Settings
    from tutor.runtime.api import ModelClientProtocol
    from tutor.ui.model_service import ModelService


class AppServices(Protocol):
    """The app as the screens see it."""

    @property
    def pack(self) -> Pack:
        """The course being taught (read-only for screens)."""

    @property
    def store(self) -> ProgressStore:
        """The learner's progress; screens record what the learner does here."""

    @property
    def settings(self) -> Settings:
        """Theme and other preferences."""

    def model_client(self) -> ModelClientProtocol:
        """The one model worker the app's screens share, created (not started) on first use."""

    @property
    def model_service(self) -> ModelService:
        """The model service that owns that client: lab instruments call the model through it."""

    def navigate(
        self,
        name: str,
        /,
        *,
        replace: bool = False,
        on_result: Callable[[Any], None] | None = None,
        **params: Any,
    ) -> None:
        """Open the screen registered as ``name`` (see ``tutor.ui.navigation``) with ``params``.

        ``replace`` swaps the current screen instead of stacking on it; ``on_result`` receives
        what the screen dismisses with.
        """

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A toast; use ``tutor.ui.safe.notify`` for any text that is not a literal of ours."""

    def background_failed(self, task: str, error: BaseException) -> None:
        """Show a failed background task as the app's one error dialog; the app keeps running."""

    def continue_learning(self) -> None:
        """Open the lesson the learner was last in, or the first one not done yet."""

    def confirm_open_url(self, url: str) -> None:
        """Show ``url`` in full and open it in a browser only if the learner says yes."""


def services(node: DOMNode) -> AppServices:
    """The app services of the app ``node`` (a screen or widget) belongs to."""
    return cast("AppServices", node.app)
