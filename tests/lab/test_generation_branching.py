"""The generation explorer's branch tree: forks copy a prefix, parents never change."""

from __future__ import annotations

import pytest

from tutor.core.branching import Alternative, BranchTree, Step


def _steps(words: list[str]) -> list[Step]:
    alts = (Alternative(100, " x", 0.3), Alternative(101, " y", 0.2))
    return [Step(i, w, 0.5, 0.6, alts) for i, w in enumerate(words)]


def test_fork_keeps_the_prefix_takes_the_choice_and_leaves_the_parent() -> None:
    tree = BranchTree()
    root = tree.new_root("seed 1")
    root.steps.extend(_steps([" the", " cat", " sat"]))
    root.finish = "length"
    child = tree.fork(root, 1, Alternative(101, " y", 0.2), "seed 1")
    assert child.text == " the y"
    assert child.token_ids() == [0, 101]
    assert child.steps[-1].forced and child.steps[-1].sampled_prob is None
    assert (child.parent, child.fork_at, child.base, child.number) == (1, 1, 2, 2)
    assert root.text == " the cat sat" and root.finish == "length"
    assert tree.shown is child
    assert "from 1 at 2" in child.label()


def test_select_goes_back_and_clamps() -> None:
    tree = BranchTree()
    root = tree.new_root("a")
    root.steps.extend(_steps([" a"]))
    tree.fork(root, 0, Alternative(100, " x", 0.3), "a")
    assert tree.select(0) is root
    assert tree.select(9).number == 2
    assert tree.select(-3) is root


def test_fork_outside_the_branch_is_refused() -> None:
    tree = BranchTree()
    root = tree.new_root("a")
    with pytest.raises(IndexError):
        tree.fork(root, 0, Alternative(1, "x", 0.1), "a")


def test_restart_forgets_only_what_the_model_made() -> None:
    tree = BranchTree()
    root = tree.new_root("a")
    root.steps.extend(_steps([" a", " b"]))
    child = tree.fork(root, 1, Alternative(100, " x", 0.3), "a")
    child.steps.extend(_steps([" c", " d"]))
    child.finish = "failed"
    tree.restart(child)
    assert child.text == " a x" and child.finish is None


def test_stream_draws_a_shade_under_every_cell_and_wraps_by_token() -> None:
    from tutor.ui.widgets.stream_text import StreamToken, render_stream

    tokens = [StreamToken(" the", 0.9), StreamToken(" cat", 0.3), StreamToken("\n", 0.6)]
    tokens += [StreamToken(" sat", 0.05), StreamToken(" down", 0.2, forced=True)]
    text, cursor_line = render_stream(tokens, 10, cursor=3)
    lines = text.plain.split("\n")
    assert lines[0] == " the cat⏎"
    assert lines[1] == "████▒▒▒▒▓"
    assert lines[2] == " sat down"  # the newline token broke the line
    assert lines[3] == "    ^^^^^"  # below 10 %: blank; the learner's pick: ^
    assert cursor_line == 1
    narrow, _ = render_stream(tokens[:2], 5)
    assert narrow.plain.split("\n")[0::2] == [" the", " cat"]
