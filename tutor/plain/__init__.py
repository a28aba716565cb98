"""Plain-terminal front ends (no Textual): quiz, review, read and the lab commands."""
