"""Shared base for screens: typed access to the app that owns the pack and the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen

if TYPE_CHECKING:
    from tutor.app import TutorApp

ResultT = TypeVar("ResultT")


class TutorScreen(Screen[ResultT]):
    """A full screen of llm-tutor."""

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)


class TutorModal(ModalScreen[ResultT]):
    """A dialog of llm-tutor; returns its answer through ``dismiss``."""

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)
