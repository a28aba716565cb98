"""The one way to put untrusted text on the screen: as data, never as markup.

Pack text, import files, model output and what the learner types can contain ``[/]`` (a
``MarkupError`` that ends the app), ``[@click=app.screenshot(...)]`` (an action run by a
click) or ``[link=file:///...]`` (a terminal hyperlink). Textual reads a *string* as markup
in ``notify`` and in ``Static``/``Label``; a ``rich.text.Text`` or ``Content`` built from the
plain string is shown exactly as written. Control characters are made visible first
(``tutor.core.sanitize``), so escape sequences never reach the terminal either.

Use ``plain()`` for widgets, ``content()`` where Textual wants ``Content``, and ``notify()``
for toasts. ``TutorApp.notify`` also forces ``markup=False`` as a safety net.
"""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.content import Content
from textual.notifications import SeverityLevel

from tutor.core.sanitize import clean_text


class Notifier(Protocol):
    """Anything with Textual's ``notify`` (an app, a screen, a widget)."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


def plain(text: str, style: str = "") -> Text:
    """``text`` as a rich Text: shown literally, control characters visible."""
    return Text(clean_text(text), style=style)


def content(text: str) -> Content:
    """``text`` as Textual Content: shown literally, control characters visible."""
    return Content(clean_text(text))


def notify(
    target: Notifier,
    message: str,
    *,
    title: str = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """A toast whose message and title are shown exactly as written (never read as markup)."""
    target.notify(
        clean_text(message),
        title=clean_text(title),
        severity=severity,
        timeout=timeout,
        markup=False,
    )
