"""The runtime is headless core: importing it loads neither Textual nor llama.cpp in the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_runtime_imports_neither_textual_nor_llama_cpp() -> None:
    code = (
        "import sys, tutor.runtime, tutor.runtime.cli, tutor.runtime.download;"
        "bad = [m for m in ('textual', 'llama_cpp') if m in sys.modules];"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == ""
