"""The key footer skips only the rebuilds that would draw what it already shows."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets._footer import FooterKey

from tutor.ui.widgets.footer import KeysFooter


class Probe(App[None]):
    """Two keys; ``beta`` can be hidden (``check_action`` False), as a screen hides a key."""

    BINDINGS = [Binding("a", "alpha", "Alpha"), Binding("b", "beta", "Beta")]

    def __init__(self) -> None:
        super().__init__()
        self.hide_beta = False

    def compose(self) -> ComposeResult:
        yield KeysFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "beta" and self.hide_beta)


def shown(app: App[None]) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_the_footer_redraws_when_its_keys_change_and_only_then() -> None:
    app = Probe()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = shown(app)
        assert [key.description for key in keys] == ["Alpha", "Beta"]
        app.screen.refresh_bindings()  # nothing changed: the same widgets stay
        await pilot.pause()
        assert shown(app) == keys and all(a is b for a, b in zip(shown(app), keys, strict=True))
        app.hide_beta = True
        app.screen.refresh_bindings()
        await pilot.pause()
        assert [key.description for key in shown(app)] == ["Alpha"]
