"""What the preference lab's workers post back to the screen (past-tense events, plain data)."""

from __future__ import annotations

from textual.message import Message

from tutor.core import reward_lab
from tutor.ui.lab.preferences.views import DpoPair


class PairReady(Message):
    """Two answers to the prompt, with the settings that made them."""

    def __init__(self, pair: reward_lab.Pair) -> None:
        super().__init__()
        self.pair = pair


class RewardTrained(Message):
    """The reward model refitted on the first ``votes`` votes (posted mid-call)."""

    def __init__(self, model: reward_lab.TrainedReward, votes: int) -> None:
        super().__init__()
        self.model = model
        self.votes = votes


class Progress(Message):
    """How far a long call has got ("sampling 3 of 8…")."""

    def __init__(self, view: str, text: str, call: int) -> None:
        super().__init__()
        self.view = view
        self.text = text
        self.call = call  # which call it comes from (a replaced call's progress is dropped)


class SamplesRanked(Message):
    """N samples with rewards and log-probabilities, ranked."""

    def __init__(self, prompt: str, ranked: list[reward_lab.Candidate]) -> None:
        super().__init__()
        self.prompt = prompt
        self.ranked = ranked


class DpoReady(Message):
    """The DPO view of one voted pair."""

    def __init__(self, pair: DpoPair) -> None:
        super().__init__()
        self.pair = pair
