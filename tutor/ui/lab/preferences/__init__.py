"""The preference lab: vote between two answers, watch a reward model learn, then use it.

Lesson 7's loop, end to end on the learner's own votes:

1. **Vote**: the model answers the prompt twice (different seeds, optionally different
   temperatures), shown as A and B with their settings hidden until the vote, as Chatbot
   Arena does. ``a`` / ``b`` / ``t`` / ``x``: A better, B better, tie, both bad. Each vote is
   one append-only row in the progress store, written on the key press, before anything else.
2. **Reward model**: refitted after every vote (Bradley–Terry, :mod:`tutor.explain.reward`):
   the loss falling, held-out agreement beside "longer answer" and a coin, which features
   carry the weight, and held-out agreement against the number of votes (overfitting).
3. **Best-of-N**: N samples for a new prompt ranked by reward, with the model's own log π,
   and the winner's length as N grows (reward hacking when the votes favoured length).
4. **DPO**: for a voted pair, log π of each answer and the DPO loss: which way DPO would push.

The modules, by job: ``screen`` (the one screen: keys, state, and which call runs when),
``messages`` (what its workers post back), ``collect``, ``best_of_n`` and ``dpo`` (what each
job's worker runs on the model, no widgets), ``views`` (each view drawn as a rich Text from
plain data), ``dialog`` (the prompt dialog).
"""

from __future__ import annotations

from tutor.ui.lab.preferences.screen import PreferencesScreen

__all__ = ["PreferencesScreen"]
