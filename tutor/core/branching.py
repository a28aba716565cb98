"""The generation explorer's tree of branches: pure data, no Textual, no model.

A *branch* is one continuation of a prompt: the tokens the model sampled, each with its
probability and the top alternatives it had at that step. Choosing an alternative at step
``i`` of a branch makes a new branch: the parent's first ``i`` tokens, then the chosen
alternative (marked ``forced``), then whatever the model samples next. The parent is never
changed, so the learner can always go back to it.

Everything a screen needs to continue a branch is here: ``Branch.token_ids()`` is the exact
token sequence after the prompt (so a continuation starts from the same tokens, not from
re-tokenized text, which could split differently).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Alternative:
    """A token the model could have taken at a step, with its probability (temperature 1)."""

    id: int
    text: str
    prob: float


@dataclass(frozen=True)
class Step:
    """One generated token: what it is, how likely it was, what else was likely.

    ``sampled_prob`` is its probability after the sampler settings (None when the learner
    chose it: then no sampler was involved); ``forced`` marks the learner's choice.
    """

    id: int
    text: str
    prob: float
    sampled_prob: float | None
    alternatives: tuple[Alternative, ...] = ()
    forced: bool = False


@dataclass
class Branch:
    """One continuation; ``parent`` and ``fork_at`` say where it left its parent (None, 0 for
    a fresh generation); ``base`` steps were inherited or chosen before the model took over."""

    number: int
    settings: str  # a one-line summary of seed and sampler settings, for the branch list
    parent: int | None = None
    fork_at: int = 0
    steps: list[Step] = field(default_factory=list)
    base: int = 0
    finish: str | None = None  # None while streaming; "eos", "length", "cancelled", "failed"

    @property
    def text(self) -> str:
        """The continuation as text."""
        return "".join(step.text for step in self.steps)

    def token_ids(self) -> list[int]:
        """The token ids of the continuation, in order."""
        return [step.id for step in self.steps]

    def label(self) -> str:
        """One line for the branch list: number, origin, length, state."""
        origin = "new" if self.parent is None else f"from {self.parent} at {self.fork_at + 1}"
        state = "streaming" if self.finish is None else self.finish
        return f"{self.number}: {origin}, {len(self.steps)} tok, {state} · {self.settings}"


class BranchTree:
    """Every branch made so far and which one is shown; numbers start at 1."""

    def __init__(self) -> None:
        self.branches: list[Branch] = []
        self.current: int = 0  # index into ``branches``; meaningless while empty

    def __len__(self) -> int:
        return len(self.branches)

    @property
    def shown(self) -> Branch | None:
        """The branch on screen, if any."""
        return self.branches[self.current] if self.branches else None

    def new_root(self, settings: str) -> Branch:
        """Start a fresh generation from the prompt alone; it becomes the shown branch."""
        return self._add(Branch(number=len(self.branches) + 1, settings=settings))

    def fork(self, branch: Branch, at: int, choice: Alternative, settings: str) -> Branch:
        """A new branch: ``branch``'s first ``at`` steps, then ``choice`` in place of step
        ``at``. The parent stays as it was. Raises IndexError for a step that does not exist."""
        if not 0 <= at < len(branch.steps):
            raise IndexError(f"branch {branch.number} has no step {at}")
        forced = Step(
            choice.id, choice.text, choice.prob, None, branch.steps[at].alternatives, True
        )
        steps = [*branch.steps[:at], forced]
        child = Branch(
            number=len(self.branches) + 1,
            settings=settings,
            parent=branch.number,
            fork_at=at,
            steps=steps,
            base=len(steps),
        )
        return self._add(child)

    def select(self, index: int) -> Branch:
        """Show the branch at ``index`` (clamped to the list)."""
        self.current = min(max(index, 0), len(self.branches) - 1)
        return self.branches[self.current]

    def _add(self, branch: Branch) -> Branch:
        self.branches.append(branch)
        self.current = len(self.branches) - 1
        return branch

    @staticmethod
    def restart(branch: Branch) -> None:
        """Forget what the model generated in ``branch`` (keeping inherited and chosen steps),
        so the same request can run again (retry after a failure)."""
        del branch.steps[branch.base :]
        branch.finish = None
