"""The current screen as plain text (what a NO_COLOR terminal shows, minus attributes)."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App[object]) -> str:
    """Every row of the screen as text, trailing spaces removed."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def flat_text(app: App[object]) -> str:
    """The screen's words joined by single spaces, so wrapped messages compare whole."""
    return " ".join(screen_text(app).split())
