"""Kept so ``from tutor.app import create_app`` (the CLI, scripts, old notes) keeps working.

The app lives in ``tutor.ui.app``.
"""

from __future__ import annotations

from tutor.ui.app import TutorApp, create_app

__all__ = ["TutorApp", "create_app"]
