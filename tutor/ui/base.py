"""Shared base for screens: typed access to the app's services, and what a route builds."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from tutor.ui.services import AppServices, services

ResultT = TypeVar("ResultT")


class _Services:
    """Mixin: ``self.services`` and the hooks the navigation registry reads."""

    KEY_WIDGETS: ClassVar[tuple[type[Widget], ...]] = ()
    """Widgets on this screen with keys of their own; the help screen lists their keys too."""

    @property
    def services(self) -> AppServices:
        return services(self)  # type: ignore[arg-type]


class TutorScreen(_Services, Screen[ResultT]):
    """A full screen of llm-tutor."""

    @classmethod
    def for_route(cls, app: AppServices, **params: Any) -> Screen[Any] | None:
        """The screen ``navigate(name, **params)`` opens; None: nothing to open (say why)."""
        return cls(**params)


class TutorModal(_Services, ModalScreen[ResultT]):
    """A dialog of llm-tutor; returns its answer through ``dismiss``."""

    @classmethod
    def for_route(cls, app: AppServices, **params: Any) -> Screen[Any] | None:
        """The dialog ``navigate(name, **params)`` opens."""
        return cls(**params)
