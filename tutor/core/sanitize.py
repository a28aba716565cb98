"""Make untrusted text safe to put on a terminal.

Lesson packs can come from strangers. A raw ESC byte could move the cursor, retitle the
window or worse, so every C0/C1 control character except newline and tab is replaced by its
visible Unicode "control picture" (ESC becomes U+241B, shown as a small 'ESC' glyph) and
bidirectional overrides, which can make text read differently from what it is, are replaced
by U+FFFD. What the author wrote stays visible; nothing is interpreted.
"""

from __future__ import annotations

import re

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f" + _BIDI + "]")


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400..U+241F: control pictures
    if code == 0x7F:
        return "\u2421"  # DELETE symbol
    return "\ufffd"


def clean_text(text: str) -> str:
    """Return ``text`` with control characters made visible and harmless."""
    return _CONTROL.sub(_picture, text.replace("\r\n", "\n"))
