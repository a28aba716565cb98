"""What the preference lab draws: each of its four views as a rich Text, from plain data.

No widgets here, so every view is a pure function a test can call. Magnitudes are carried by
characters (``tutor.drawing``): eighth-block bars for agreement and feature weight,
``▁▂▃▄▅▆▇█`` sparklines for the loss and the curves, digits beside each, so the views read
with ``NO_COLOR=1``. Model and learner text goes in as data (``clean_text``), never as markup.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from tutor.core.reward_lab import (
    Candidate,
    Pair,
    TrainedReward,
    doubling_sizes,
    winner_lengths,
)
from tutor.core.sanitize import clean_text
from tutor.drawing import bar, sparkline
from tutor.explain.reward import COIN_BASELINE, DpoView

WIDTH = 78  # text width inside the lab body at 80 columns
ANSWER_LINES = 12  # lines of each answer shown side by side
VOTE_WORDS = {"a": "A better", "b": "B better", "tie": "a tie", "both_bad": "both bad"}


# -- small pieces ---------------------------------------------------------------------------


def pct(x: float) -> str:
    """A share as a percentage (4 wide), or ' n/a' when it could not be measured."""
    return " n/a" if math.isnan(x) else f"{x:4.0%}"


def safe(text: str) -> str:
    """Model or learner text as one safe string: control characters visible, tabs as spaces."""
    return clean_text(text).replace("\t", " ")


def one_line(text: str, width: int) -> str:
    """``text`` on one line (newlines shown as ⏎), cut to ``width`` with an ellipsis."""
    flat = " ⏎ ".join(line.strip() for line in safe(text).strip().splitlines())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def wrapped(text: str, width: int, lines: int) -> list[str]:
    """``text`` wrapped at ``width``, at most ``lines`` lines; if cut, the last says how many
    more there are (so the learner can still tell which answer is longer)."""
    out: list[str] = []
    for para in safe(text).strip().splitlines() or [""]:
        out.extend(textwrap.wrap(para.strip(), width) or [""])
    if len(out) > lines:
        hidden = len(out) - lines + 1
        out = [*out[: lines - 1], f"… {hidden} more lines"]
    return out


def settings_words(settings: dict[str, Any], tokens: int) -> str:
    """The hidden settings, revealed: 'seed 3 · temp 0.8 · 52 tokens'."""
    parts = []
    if "seed" in settings:
        parts.append(f"seed {settings['seed']}")
    if "temperature" in settings:
        parts.append(f"temp {settings['temperature']:g}")
    if "source" in settings:
        parts.append(str(settings["source"]))
    parts.append(f"{tokens} tokens")
    return " · ".join(parts)


# -- 1. vote --------------------------------------------------------------------------------


def side_by_side(a: str, b: str, width: int, lines: int) -> Text:
    """Answers A and B in two columns with a rule between (as the Arena shows them)."""
    col = (width - 3) // 2
    left, right = (
        wrapped(a or "(empty answer)", col, lines),
        wrapped(b or "(empty answer)", col, lines),
    )
    text = Text(no_wrap=True, overflow="crop")
    text.append(f"{'─ A ':─<{col}} ┬ {'─ B ':─<{col}}\n", style="bold")
    for i in range(max(len(left), len(right))):
        l_line = left[i] if i < len(left) else ""
        r_line = right[i] if i < len(right) else ""
        text.append(f"{l_line:<{col}} │ {r_line}\n")
    return text


def vote_view(
    pair: Pair | None,
    vote: str | None,
    counts: dict[str, int],
    model: TrainedReward | None,
    waiting: str,
    width: int = WIDTH,
) -> Text:
    """The prompt, answers A and B (their settings hidden until the vote), what to press, the
    tally and the reward model's latest held-out agreement."""
    text = Text()
    if pair is None:
        text.append(waiting or "Asking the model for two answers…", style="dim")
        text.append("\n\n" + tally_line(counts, model))
        return text
    text.append("Prompt: ", style="bold")
    text.append(one_line(pair.prompt, width - 8) + "\n")
    text.append_text(side_by_side(pair.answer_a, pair.answer_b, width, ANSWER_LINES))
    text.append("─" * width + "\n")
    if vote is None:
        text.append("Which is better?  a: A   b: B   t: tie   x: both bad", style="bold")
        text.append("  (settings hidden)", style="dim")
    else:
        text.append(f"You voted {VOTE_WORDS[vote]}. ", style="bold")
        text.append("The settings were (hidden until now):\n")
        text.append(f"  A: {settings_words(pair.settings_a, pair.tokens_a)}    ")
        text.append(f"B: {settings_words(pair.settings_b, pair.tokens_b)}\n")
        text.append(waiting or "n: next pair", style="bold")
    text.append("\n" + tally_line(counts, model))
    return text


def pair_status(
    shown: bool, voted: bool, ready: bool, busy: bool, writing: str, refitting: int
) -> str:
    """What the vote view says about the pair being written: ``shown`` a pair is on screen,
    ``voted`` on, ``ready`` the next one written ahead, ``busy`` a pair call running (``writing``
    its progress, ``refitting`` the votes it refits the reward model on first, which can take a
    while: each answer is embedded once)."""
    if not shown:
        if busy and refitting and not writing:
            return (
                f"Fitting the reward model on your {refitting} votes, then asking for two answers…"
            )
        if busy or writing:
            return f"Asking the model for two answers… {writing}"
        return "No answers yet (r: retry · n: ask again)."
    if not voted:
        return ""
    if ready:
        return "n: next pair (ready)"
    doing = writing or ("refitting, then writing" if refitting else "writing")
    return f"n: next pair ({doing}…)" if busy else "n: next pair"


def tally_line(counts: dict[str, int], model: TrainedReward | None) -> str:
    """Votes so far and, once fitted on all of them, the reward model's held-out agreement."""
    total = sum(counts.values())
    a, b, tie, bad = (counts.get(k, 0) for k in ("a", "b", "tie", "both_bad"))
    line = f"{total} vote{'' if total == 1 else 's'}: A {a} · B {b} · tie {tie} · both bad {bad}"
    if model is not None and model.pairs != total:  # the numbers would be the last fit's
        line += "  │ refitting the reward model…"
    elif model is not None:
        line += f"  │ held-out {pct(model.heldout).strip()}, longer {pct(model.longer).strip()}"
    return line


# -- 2. the reward model --------------------------------------------------------------------


def model_view(
    model: TrainedReward | None, history: Sequence[tuple[int, float]], refitting: int = 0
) -> Text:
    """The loss falling, held-out agreement beside the two baselines, the features that carry
    the weight, and held-out agreement against the number of votes (overfitting)."""
    if model is None and refitting:
        return Text(f"Fitting the reward model on your {refitting} vote{'s' * (refitting != 1)}…")
    if model is None:
        return Text("No reward model yet: vote on a pair (view 1) and it is fitted at once.")
    text = Text(f"r = w·φ fitted on {model.pairs} votes ({model.decisive} decisive)", "bold")
    text.append(f", held out by {model.held_out_by}\n")
    text.append_text(loss_lines(model))
    text.append("Held-out agreement (5-fold) beside two baselines\n", style="bold")
    for name, value in (
        ("reward model", model.heldout),
        ("longer answer", model.longer),
        ("a coin", COIN_BASELINE),
    ):
        fraction = 0.0 if math.isnan(value) else value
        text.append(f"  {name:<14}{bar(fraction, 30)} {pct(value)}\n")
    text.append("Which features carry the weight (their share of r_A − r_B)\n", style="bold")
    biggest = max((i.spread for i in model.importances), default=0.0) or 1.0
    for imp in model.importances:
        sign = {1.0: "+", -1.0: "−"}.get(imp.sign, " ")
        text.append(f"  {imp.name:<21}{sign} {bar(imp.spread / biggest, 24)} {imp.spread:.3f}\n")
    text.append_text(overfitting_lines(model.fitted, model.curve, history))
    return text


def loss_lines(model: TrainedReward) -> Text:
    """The training loss: Newton's few jumps and plain gradient descent's slow slide."""
    text = Text()
    newton = model.losses
    text.append("Loss  Newton ")
    text.append(f"{sparkline(newton, lo=0.0):<8}", style="bold")
    text.append(f" {newton[0]:.3f}→{newton[-1]:.3f} in {len(newton) - 1} steps")
    gd = model.gd_losses
    if gd:
        text.append("  GD ")
        text.append(sparkline(gd[:: max(1, len(gd) // 20)], lo=0.0), style="bold")
        text.append(f" →{gd[-1]:.3f}")
    text.append("\n")
    return text


def overfitting_lines(
    fitted: float, curve: Sequence[tuple[int, float]], history: Sequence[tuple[int, float]]
) -> Text:
    """Agreement on the votes it was fitted on, then held-out agreement against the number of
    votes: with few votes the model fits them all and predicts new ones much worse (overfitting)."""
    text = Text(f"Overfitting: {pct(fitted).strip()} on the votes it was fitted on; ", style="bold")
    text.append("held out, by votes:\n", style="bold")
    points = list(curve)[-9:]
    if not points:
        text.append("  (needs 4 votes or more)")
        return text
    text.append("  votes " + " ".join(f"{n:>4}" for n, _ in points) + "\n")
    text.append("  agree " + " ".join(pct(v) for _, v in points) + "  ")
    text.append(sparkline([v for _, v in points], lo=0.0, hi=1.0), style="bold")
    if history:
        text.append(f"\n  after each vote: {sparkline([h for _, h in history[-30:]], 0.0, 1.0)}")
    return text


# -- 3. best-of-N ---------------------------------------------------------------------------


def best_of_n_view(
    prompt: str,
    n: int,
    ranked: Sequence[Candidate] | None,
    progress: str,
    has_model: bool,
    width: int = WIDTH,
) -> Text:
    """N samples ranked by reward, with log π and length, and the winner's length against N."""
    text = Text("Prompt: ", style="bold")
    text.append(one_line(prompt, width - 8))
    text.append(f"\nN = {n} samples (+/-: 4–16)   ")
    if ranked is None:
        if not has_model:
            text.append("vote on a pair first: best-of-N needs a reward model", style="bold")
        else:
            text.append(progress or "g: sample N answers and rank them by reward", style="bold")
        return text
    text.append("ranked by reward; log π: the model's own log-prob\n")
    text.append("  #  reward   log π tokens  answer\n", style="bold")
    shown = list(ranked)[:10]
    for i, c in enumerate(shown, start=1):
        logp = "    n/a" if math.isnan(c.logprob) else f"{c.logprob:7.1f}"
        row = f"{i:3d} {c.reward:+7.2f} {logp} {c.tokens:6d}  "
        text.append(row, style="reverse" if i == 1 else "")
        text.append(one_line(c.text, width - len(row)) + "\n")
    if len(ranked) > len(shown):
        text.append(f"  … and {len(ranked) - len(shown)} more\n", style="dim")
    text.append_text(hacking_lines(ranked))
    return text


def hacking_lines(ranked: Sequence[Candidate]) -> Text:
    """Reward hacking: the best-of-N winner's length as N grows, averaged over every pick of N of
    these samples (at N = 1, the mean sample). If the votes favoured length, it climbs."""
    total = len(ranked)
    wins = winner_lengths(ranked, doubling_sizes(total))
    text = Text(f"Winner's length vs N (average over every pick of N of these {total})\n", "bold")
    text.append("  N      " + " ".join(f"{n:>4}" for n, _ in wins) + "\n")
    text.append("  tokens " + " ".join(f"{t:4.0f}" for _, t in wins) + "  ")
    text.append(sparkline([t for _, t in wins], lo=0.0), style="bold")
    text.append("\n  " + length_verdict([t for _, t in wins]))
    return text


def length_verdict(lengths: Sequence[float]) -> str:
    """One sentence on what the winner-length curve says (at least 10% longer counts)."""
    if len(lengths) < 2:
        return ""
    if lengths[-1] >= 1.1 * lengths[0]:
        return "Bigger N, longer winner: the reward model pays for length (reward hacking)."
    return "Near the mean length at every N: length earns this reward model little."


# -- 4. DPO ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DpoPair:
    """A decisive vote, its two answers' log-probabilities and the reward model's verdict."""

    index: int  # which decisive vote (0 oldest)
    of: int
    prompt: str
    chosen: str
    rejected: str
    tokens_chosen: int
    tokens_rejected: int
    view: DpoView
    reward_gap: float | None  # r(chosen) − r(rejected), if a reward model is fitted


def dpo_text(pair: DpoPair | None, beta: float, waiting: str, width: int = WIDTH) -> Text:
    """The DPO quantities for one voted pair and which way a DPO step would push the model."""
    if pair is None:
        return Text(waiting or "No decisive vote yet (A or B better): vote first (view 1).")
    v = pair.view
    text = Text(f"Voted pair {pair.index + 1} of {pair.of}   ([ ]: another pair)\n", style="bold")
    for name, value in (
        ("prompt", pair.prompt),
        ("chosen", pair.chosen),
        ("rejected", pair.rejected),
    ):
        text.append(f"{name + ':':<10}")
        text.append(one_line(value, width - 10) + "\n")
    text.append("\nlog π(answer | prompt), summed over the answer's tokens (teacher forcing):\n")
    scale = max(abs(v.logp_chosen), abs(v.logp_rejected), 1e-9)
    for name, logp, n in (
        ("chosen", v.logp_chosen, pair.tokens_chosen),
        ("rejected", v.logp_rejected, pair.tokens_rejected),
    ):
        per = logp / max(n, 1)
        text.append(f"  {name:<9}{logp:8.2f}  {bar(abs(logp) / scale, 20)} ")
        text.append(f"{n:3d} tokens, {per:.2f} each\n")
    if pair.reward_gap is not None:
        text.append(f"  reward model: r(chosen) − r(rejected) = {pair.reward_gap:+.3f}\n")
    text.append(f"\nDPO (Rafailov et al. 2023), β = {beta:g}, π_ref = the model as it is now:\n")
    text.append(f"  margin = β[Δlog π(chosen) − Δlog π(rejected)] = {v.margin:.3f}\n")
    text.append(f"  loss = −log σ(margin) = {v.loss:.3f}   push β·σ(−margin) = {v.weight:.3f}\n")
    text.append("  A DPO step: log π(chosen) ↑   log π(rejected) ↓\n", style="bold")
    gap = v.likelihood_gap
    if gap < 0:
        text.append(f"  Today the model finds the rejected answer {-gap:.1f} nats more likely.")
    else:
        text.append(f"  The model already finds the chosen answer {gap:.1f} nats more likely.")
    return text
