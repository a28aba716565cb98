"""A reward model learned from pairwise votes: Bradley–Terry on features, r(answer) = w·φ(answer).

The learner votes "A is better" (or B, or a tie) on two answers to one prompt. We want a number
r for every answer such that the better answer scores higher. Bradley and Terry (1952) modelled
a comparison as a coin whose bias depends on the difference of two scores:

    P(A beats B) = σ(r_A − r_B),        σ(z) = 1 / (1 + e^(−z))

With a linear reward r = w·φ on features φ (here: the answer's embedding plus a few features a
learner can read, see :mod:`tutor.explain.features`), r_A − r_B = w·(φ_A − φ_B) = w·d, so a
comparison is one row d of a logistic regression without intercept. Fitting w maximises the
likelihood of the votes, i.e. minimises the pairwise loss (as in TRL's RewardTrainer)

    L(w) = mean_i [ −y_i log σ(w·d_i) − (1 − y_i) log σ(−w·d_i) ] + (λ/2) ‖w‖²

where y_i = 1 if A won, 0 if B won, and ½ for a tie (a tie counts as half a win each way, as
Chatbot Arena's ratings do). For a decisive vote this is exactly −log σ(r_chosen − r_rejected).

Sources:
- R. A. Bradley and M. E. Terry, "Rank Analysis of Incomplete Block Designs: I. The Method of
  Paired Comparisons", Biometrika 39 (1952): the model P(i beats j) = σ(r_i − r_j).
- P. Christiano et al., "Deep Reinforcement Learning from Human Preferences" (NeurIPS 2017): a
  reward model fitted to human comparisons with this loss, ties as ½.
- L. Ouyang et al., "Training language models to follow instructions with human feedback"
  (InstructGPT, 2022): the same loss on answers to prompts, −log σ(r(x, y_w) − r(x, y_l)).
- R. Rafailov et al., "Direct Preference Optimization: Your Language Model is Secretly a Reward
  Model" (NeurIPS 2023): the DPO quantity in :func:`dpo_view`.

What is left out: a neural reward model (InstructGPT fine-tunes a 6B model; here w is a vector
over fixed features), margins, and any training of the language model itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

DEFAULT_L2 = 1e-2
"""λ, the L2 penalty: keeps w small when there are few votes, and makes the loss strictly convex
(so Newton's method has a unique minimum to find)."""


# -- the model ------------------------------------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z|."""
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))  # e^(−z) ≤ 1 here
    ez = np.exp(z[~pos])  # e^z < 1 here
    out[~pos] = ez / (1.0 + ez)
    return out


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """log σ(z) = −log(1 + e^(−z)), stable for large |z|."""
    return -np.logaddexp(0.0, -np.asarray(z, dtype=np.float64))


def rewards(w: np.ndarray, features: np.ndarray) -> np.ndarray:
    """r = w·φ for each row of ``features`` (N, p): (N,)."""
    return np.asarray(features, dtype=np.float64) @ w  # (N,)


def mirror(diffs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each comparison twice: (d, y) as voted and (−d, 1 − y) with A and B swapped.

    Which answer was shown on the left carries no information, so the data should say so. For
    this model (no intercept) the mirrored row has exactly the same loss and gradient as the
    original (σ(−z) = 1 − σ(z)): mirroring changes nothing, and tests check it. It matters as
    soon as a feature is not a difference (say a 'shown first' bias): then it cancels it.
    """
    d = np.asarray(diffs, dtype=np.float64)  # (N, p)
    y = np.asarray(labels, dtype=np.float64)  # (N,)
    return np.concatenate([d, -d]), np.concatenate([y, 1.0 - y])  # (2N, p), (2N,)


def loss(w: np.ndarray, diffs: np.ndarray, labels: np.ndarray, l2: float = DEFAULT_L2) -> float:
    """The pairwise loss L(w): mean negative log-likelihood of the votes plus (λ/2)‖w‖²."""
    z = diffs @ w  # (N,) r_A − r_B for each comparison
    nll = -(labels * log_sigmoid(z) + (1.0 - labels) * log_sigmoid(-z))  # (N,)
    return float(nll.mean() + 0.5 * l2 * (w @ w))


def gradient(
    w: np.ndarray, diffs: np.ndarray, labels: np.ndarray, l2: float = DEFAULT_L2
) -> np.ndarray:
    """∇L(w) = mean_i (σ(w·d_i) − y_i) d_i + λ w: each vote pulls w along its d, by how wrong
    the model's predicted probability σ(w·d_i) is about it."""
    z = diffs @ w  # (N,)
    error = sigmoid(z) - labels  # (N,) predicted P(A wins) minus the vote
    return diffs.T @ error / len(labels) + l2 * w  # (p,)


def hessian_weights(w: np.ndarray, diffs: np.ndarray) -> np.ndarray:
    """s_i = σ(z_i)(1 − σ(z_i)): how curved the loss is along each comparison (N,)."""
    p = sigmoid(diffs @ w)  # (N,)
    return p * (1.0 - p)


def newton_direction(
    w: np.ndarray, diffs: np.ndarray, labels: np.ndarray, l2: float = DEFAULT_L2
) -> np.ndarray:
    """The Newton step H⁻¹ ∇L, where H = (1/N) Dᵀ S D + λ I is the Hessian of L.

    With fewer comparisons N than features p (the usual case: 10 votes, 580 features) we solve
    an N×N system instead of a p×p one, by the Woodbury identity with B = S^½ D / √N:
        (λ I + BᵀB)⁻¹ g = (g − Bᵀ (λ I + B Bᵀ)⁻¹ B g) / λ
    Both branches give the same vector; the small one is just cheaper.
    """
    n, p = diffs.shape
    g = gradient(w, diffs, labels, l2)  # (p,)
    s = hessian_weights(w, diffs)  # (N,)
    if n >= p:
        h = diffs.T @ (s[:, None] * diffs) / n + l2 * np.eye(p)  # (p, p)
        return np.linalg.solve(h, g)  # (p,)
    b = np.sqrt(s / n)[:, None] * diffs  # (N, p) B = S^½ D / √N
    inner = l2 * np.eye(n) + b @ b.T  # (N, N)
    return (g - b.T @ np.linalg.solve(inner, b @ g)) / l2  # (p,)


def newton_step(
    w: np.ndarray, diffs: np.ndarray, labels: np.ndarray, l2: float = DEFAULT_L2
) -> np.ndarray:
    """One Newton update: w ← w − H⁻¹ ∇L. The loss is convex, so a few steps reach its minimum."""
    return w - newton_direction(w, diffs, labels, l2)


def gradient_step(
    w: np.ndarray, diffs: np.ndarray, labels: np.ndarray, l2: float = DEFAULT_L2, lr: float = 1.0
) -> np.ndarray:
    """One gradient-descent update: w ← w − lr · ∇L (slower, but the simplest thing that works)."""
    return w - lr * gradient(w, diffs, labels, l2)


@dataclass(frozen=True)
class Fit:
    """A fitted reward model: the weights and the training loss after each step."""

    weights: np.ndarray  # (p,)
    losses: tuple[float, ...]  # loss before the first step, then after each step
    steps: int


def fit(
    diffs: np.ndarray,
    labels: np.ndarray,
    *,
    l2: float = DEFAULT_L2,
    method: str = "newton",
    max_steps: int = 50,
    tol: float = 1e-10,
    lr: float = 1.0,
    start: np.ndarray | None = None,
) -> Fit:
    """Fit w on comparisons ``diffs`` (N, p) = φ_A − φ_B with ``labels`` (N,) = P(A better).

    Each pair is mirrored first (see :func:`mirror`). ``method`` is "newton" (a handful of steps)
    or "gd" (plain gradient descent with step ``lr``). Stops when the gradient is below ``tol``.
    """
    d, y = mirror(diffs, labels)  # (2N, p), (2N,)
    w = np.zeros(d.shape[1]) if start is None else np.asarray(start, dtype=np.float64).copy()
    losses = [loss(w, d, y, l2)]
    steps = 0
    for steps in range(1, max_steps + 1):  # noqa: B007  (steps is reported)
        if method == "newton":
            w = newton_step(w, d, y, l2)
        elif method == "gd":
            w = gradient_step(w, d, y, l2, lr)
        else:
            raise ValueError(f"unknown method {method!r}: use 'newton' or 'gd'")
        losses.append(loss(w, d, y, l2))
        if np.linalg.norm(gradient(w, d, y, l2)) < tol:
            break
    return Fit(weights=w, losses=tuple(losses), steps=steps)


# -- how good is it? ------------------------------------------------------------------------


def agreement(w: np.ndarray, diffs: np.ndarray, labels: np.ndarray) -> float:
    """Share of decisive votes (y = 0 or 1) whose winner the model scores higher; an exact
    tie in reward counts half. NaN if there is no decisive vote."""
    decisive = labels != 0.5  # (N,) ties say nothing about who should win
    if not np.any(decisive):
        return float("nan")
    z = diffs[decisive] @ w  # (M,) r_A − r_B
    said_a = labels[decisive] == 1.0  # (M,)
    right = np.where(z == 0, 0.5, (z > 0) == said_a)  # (M,)
    return float(np.mean(right))


def longer_baseline(len_a: np.ndarray, len_b: np.ndarray, labels: np.ndarray) -> float:
    """Agreement of "always prefer the longer answer" on the decisive votes (equal lengths ½)."""
    decisive = labels != 0.5
    if not np.any(decisive):
        return float("nan")
    z = (np.asarray(len_a, dtype=np.float64) - np.asarray(len_b, dtype=np.float64))[decisive]
    said_a = labels[decisive] == 1.0
    return float(np.mean(np.where(z == 0, 0.5, (z > 0) == said_a)))


COIN_BASELINE = 0.5
"""A coin's expected agreement on decisive votes: one half, whatever the votes."""


def folds(groups: Sequence[object] | np.ndarray, k: int = 5) -> list[np.ndarray]:
    """Split comparison indices into ≤ ``k`` held-out folds, keeping each group (prompt) in one
    fold, so the model is always tested on prompts it has not seen. Deterministic: groups are
    dealt round-robin in order of first appearance."""
    order: dict[object, int] = {}
    for g in groups:
        order.setdefault(g, len(order))
    fold_of_group = {g: i % k for g, i in order.items()}
    ids = np.array([fold_of_group[g] for g in groups], dtype=int)  # (N,)
    return [np.flatnonzero(ids == f) for f in range(min(k, len(order)))]


def heldout_agreement(
    diffs: np.ndarray,
    labels: np.ndarray,
    groups: Sequence[object] | np.ndarray,
    *,
    k: int = 5,
    l2: float = DEFAULT_L2,
) -> float:
    """k-fold held-out agreement: fit on the other folds, count agreement on this one, pooled
    over every decisive vote. With as many folds as prompts this is leave-one-prompt-out."""
    right = total = 0.0
    for test in folds(groups, k):
        train = np.setdiff1d(np.arange(len(labels)), test)  # (N − |test|,)
        if len(train) == 0:
            continue
        w = fit(diffs[train], labels[train], l2=l2).weights
        n = int(np.sum(labels[test] != 0.5))  # decisive votes in this fold
        if n:
            right += agreement(w, diffs[test], labels[test]) * n
            total += n
    return right / total if total else float("nan")


def learning_curve(
    diffs: np.ndarray,
    labels: np.ndarray,
    groups: Sequence[object] | np.ndarray,
    sizes: Sequence[int],
    *,
    k: int = 5,
    l2: float = DEFAULT_L2,
) -> list[tuple[int, float]]:
    """Held-out agreement using only the first n votes, for each n in ``sizes``: with few votes
    the model fits them perfectly and predicts new ones badly (overfitting)."""
    out = []
    g = np.asarray(list(groups), dtype=object)
    for n in sizes:
        out.append((n, heldout_agreement(diffs[:n], labels[:n], g[:n], k=k, l2=l2)))
    return out


@dataclass(frozen=True)
class Importance:
    """How much one named group of features moves r_A − r_B across the votes."""

    name: str
    spread: float  # standard deviation of this group's part of w·d over the comparisons
    sign: float  # one feature: +1 if more of it raises the reward, −1 if it lowers it; a block: 0


def importances(
    w: np.ndarray, diffs: np.ndarray, groups: Sequence[tuple[str, slice]]
) -> list[Importance]:
    """Which features carry the weight: for each named slice of φ, the spread of its share
    w_g·d_g of the reward difference. Comparable across features of any scale or size."""
    out = []
    for name, cols in groups:
        part = diffs[:, cols] @ w[cols]  # (N,) this group's share of r_A − r_B
        spread = float(np.sqrt(np.mean(part**2))) if len(part) else 0.0
        size = len(range(*cols.indices(len(w))))  # how many features in this group
        sign = float(np.sign(w[cols][0])) if size == 1 else 0.0  # a block has no one direction
        out.append(Importance(name=name, spread=spread, sign=sign))
    return out


# -- DPO: the same preference, pushed into the language model itself ------------------------


@dataclass(frozen=True)
class DpoView:
    """The DPO loss for one voted pair, and which way its gradient moves the model."""

    logp_chosen: float  # log π(chosen | prompt), summed over the answer's tokens
    logp_rejected: float
    margin: float  # β [(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)]
    loss: float  # −log σ(margin)
    weight: float  # β σ(−margin): how hard this pair pushes (large when the model is wrong)
    likelihood_gap: float = field(default=0.0)  # log π(chosen) − log π(rejected)


def dpo_view(
    logp_chosen: float,
    logp_rejected: float,
    *,
    ref_chosen: float | None = None,
    ref_rejected: float | None = None,
    beta: float = 0.1,
) -> DpoView:
    """Rafailov et al. 2023, eq. 7, for one pair (y_w chosen, y_l rejected):

        L_DPO = −log σ(β log π(y_w)/π_ref(y_w) − β log π(y_l)/π_ref(y_l))

    The reference model defaults to the model itself (before any DPO step), so the margin starts
    at 0 and the loss at log 2. Its gradient is −β σ(−margin) [∇log π(y_w) − ∇log π(y_l)]:
    a step raises the log-probability of the chosen answer and lowers the rejected one's.
    """
    ref_c = logp_chosen if ref_chosen is None else ref_chosen
    ref_r = logp_rejected if ref_rejected is None else ref_rejected
    margin = beta * ((logp_chosen - ref_c) - (logp_rejected - ref_r))  # implicit reward gap
    return DpoView(
        logp_chosen=logp_chosen,
        logp_rejected=logp_rejected,
        margin=margin,
        loss=float(-log_sigmoid(np.array([margin]))[0]),
        weight=float(beta * sigmoid(np.array([-margin]))[0]),
        likelihood_gap=logp_chosen - logp_rejected,
    )
