"""Where a lesson's ```demo blocks are, found without checking what they say.

Finding blocks is all the loader needs in order to lay a lesson out; what a block may say is
checked by :mod:`tutor.core.demo` (with pydantic), when the pack is checked and when a lesson's
demos are first used. Keeping the two apart lets the app start without importing pydantic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEMO_BLOCK = re.compile(r"^```demo[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class DemoBlock:
    """One block as written: its TOML ``source`` and the line of its opening fence."""

    source: str
    line: int


def demo_blocks(body: str, body_line: int) -> tuple[DemoBlock, ...]:
    """Every demo block of a lesson body (which starts on line ``body_line`` of its file)."""
    return tuple(
        DemoBlock(match.group(1), body_line + body.count("\n", 0, match.start()))
        for match in DEMO_BLOCK.finditer(body)
    )
