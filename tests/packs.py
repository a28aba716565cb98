"""Small pack files shared by tests that need a valid lesson to start from."""

from __future__ import annotations

LESSON = """\
+++
title = "Intro"
summary = "What this is."
minutes = 5
objectives = ["Know it"]
+++

# Intro

Body text.
"""
# Line numbers: 1 '+++', 2 title, 3 summary, 4 minutes, 5 objectives, 6 '+++', 7 first body line.
