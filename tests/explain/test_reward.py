"""The Bradley–Terry reward model: gradient, Newton step, an independent solver, held-out checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tutor.explain import reward
from tutor.explain.features import feature_groups, feature_matrix, finished, repetition


def _data(n: int, p: int, seed: int = 0, ties: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Random comparisons from a known w, with some ties."""
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n, p))
    w_true = rng.normal(size=p)
    y = (rng.random(n) < reward.sigmoid(d @ w_true)).astype(float)
    if ties:
        y[rng.random(n) < 0.2] = 0.5
    return d, y


@pytest.mark.parametrize(("n", "p"), [(30, 5), (8, 20)])
def test_gradient_matches_finite_differences(n: int, p: int) -> None:
    d, y = _data(n, p)
    w = np.random.default_rng(1).normal(size=p) * 0.5
    g = reward.gradient(w, d, y, l2=0.1)
    eps = 1e-6
    numeric = np.array(
        [
            (reward.loss(w + eps * e, d, y, 0.1) - reward.loss(w - eps * e, d, y, 0.1)) / (2 * eps)
            for e in np.eye(p)
        ]
    )
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-8)


def test_woodbury_and_direct_newton_directions_agree() -> None:
    d, y = _data(12, 40, seed=3)
    w = np.random.default_rng(4).normal(size=40) * 0.1
    small = reward.newton_direction(w, d, y, 0.05)  # N < p: the N×N branch
    # The same Hessian built explicitly, p×p.
    s = reward.hessian_weights(w, d)
    h = d.T @ (s[:, None] * d) / len(y) + 0.05 * np.eye(40)
    direct = np.linalg.solve(h, reward.gradient(w, d, y, 0.05))
    np.testing.assert_allclose(small, direct, rtol=1e-8, atol=1e-10)


def test_newton_and_gradient_descent_reach_the_same_minimum() -> None:
    d, y = _data(60, 4, seed=5)
    newton = reward.fit(d, y, l2=0.1)
    gd = reward.fit(d, y, l2=0.1, method="gd", lr=1.0, max_steps=5000, tol=1e-9)
    np.testing.assert_allclose(newton.weights, gd.weights, atol=1e-6)
    assert newton.steps < 15 < gd.steps
    assert all(b <= a + 1e-12 for a, b in zip(newton.losses, newton.losses[1:], strict=False))


def test_mirroring_changes_nothing_for_a_model_without_intercept() -> None:
    d, y = _data(25, 6, seed=6)
    w = np.random.default_rng(7).normal(size=6)
    md, my = reward.mirror(d, y)
    assert reward.loss(w, md, my, 0.1) == pytest.approx(reward.loss(w, d, y, 0.1), rel=1e-12)
    np.testing.assert_allclose(reward.gradient(w, md, my, 0.1), reward.gradient(w, d, y, 0.1))


def test_a_decisive_vote_costs_minus_log_sigmoid_of_the_reward_gap() -> None:
    w = np.array([1.0, -2.0])
    chosen, rejected = np.array([0.3, 0.1]), np.array([0.5, 0.4])
    gap = w @ chosen - w @ rejected
    d, y = (chosen - rejected)[None, :], np.array([1.0])
    assert reward.loss(w, d, y, l2=0.0) == pytest.approx(-math.log(1 / (1 + math.exp(-gap))))
    # A tie costs the average of both directions.
    tie = reward.loss(w, d, np.array([0.5]), l2=0.0)
    both = (reward.loss(w, d, np.array([1.0]), 0.0) + reward.loss(w, d, np.array([0.0]), 0.0)) / 2
    assert tie == pytest.approx(both)


def test_item_level_fit_agrees_with_choix() -> None:
    """Items with one-hot features: w is each item's Bradley–Terry strength. choix minimises
    α‖θ‖² + Σ −log σ(θ_win − θ_lose); ours is the same divided by N with λ = 2α / N."""
    choix = pytest.importorskip("choix")
    rng = np.random.default_rng(11)
    n_items, n = 8, 300
    strength = rng.normal(size=n_items)
    pairs = []
    for _ in range(n):
        i, j = rng.choice(n_items, size=2, replace=False)
        pairs.append((i, j) if rng.random() < reward.sigmoid(strength[i] - strength[j]) else (j, i))
    alpha = 0.5
    theirs = choix.opt_pairwise(n_items, pairs, alpha=alpha, tol=1e-12)
    eye = np.eye(n_items)
    d = np.array([eye[w] - eye[lo] for w, lo in pairs])
    ours = reward.fit(d, np.ones(n), l2=2 * alpha / n).weights
    assert np.max(np.abs(ours - theirs)) < 1e-4


def test_agreement_and_the_longer_baseline() -> None:
    w = np.array([1.0])
    d = np.array([[1.0], [-1.0], [2.0], [0.0], [3.0]])
    y = np.array([1.0, 1.0, 0.0, 1.0, 0.5])  # right, wrong, wrong, exact tie (½), a tie vote
    assert reward.agreement(w, d, y) == pytest.approx((1 + 0 + 0 + 0.5) / 4)
    lengths_a, lengths_b = np.array([5, 5, 9, 3, 1]), np.array([2, 9, 3, 3, 1])
    assert reward.longer_baseline(lengths_a, lengths_b, y) == pytest.approx((1 + 0 + 0 + 0.5) / 4)
    assert math.isnan(reward.agreement(w, d[4:], y[4:]))


def test_folds_keep_each_prompt_in_one_fold() -> None:
    groups = ["a", "b", "a", "c", "d", "b", "e", "f"]
    parts = reward.folds(groups, k=3)
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(groups)))
    for part in parts:
        others = {groups[i] for p in parts if p is not part for i in p}
        assert not {groups[i] for i in part} & others


def test_heldout_agreement_learns_a_rule_and_overfits_with_few_votes() -> None:
    rng = np.random.default_rng(2)
    n, p = 200, 30
    d = rng.normal(size=(n, p))
    y = (d[:, 0] + 0.1 * rng.normal(size=n) > 0).astype(float)  # votes follow feature 0
    groups = list(range(n))
    assert reward.heldout_agreement(d, y, groups, l2=1e-3) > 0.9
    curve = reward.learning_curve(d, y, groups, [6, 200], l2=1e-3)
    assert curve[0][1] < curve[1][1]


def test_importances_name_the_feature_the_votes_follow() -> None:
    rng = np.random.default_rng(8)
    emb = rng.normal(size=(120, 16))
    texts = ["word " * int(k) for k in rng.integers(1, 40, size=120)]
    tokens = [len(t.split()) for t in texts]
    phi = feature_matrix(emb, texts, tokens)
    a, b = phi[0::2], phi[1::2]
    y = (np.array(tokens[0::2]) > np.array(tokens[1::2])).astype(float)  # longer always wins
    fitted = reward.fit(a - b, y, l2=1e-3).weights
    ranked = sorted(reward.importances(fitted, a - b, feature_groups(16)), key=lambda i: -i.spread)
    assert ranked[0].name == "length" and ranked[0].sign == 1.0


def test_dpo_view_starts_at_log_two_and_pushes_towards_the_chosen_answer() -> None:
    view = reward.dpo_view(-12.0, -9.5, beta=0.1)
    assert view.margin == 0.0
    assert view.loss == pytest.approx(math.log(2))
    assert view.weight == pytest.approx(0.05)
    assert view.likelihood_gap == pytest.approx(-2.5)
    moved = reward.dpo_view(-11.0, -10.5, ref_chosen=-12.0, ref_rejected=-9.5, beta=0.1)
    assert moved.margin == pytest.approx(0.2) and moved.loss < view.loss


def test_transparent_features() -> None:
    assert repetition("the cat the cat") == 0.5
    assert repetition("") == 0.0
    assert finished("It is done.") == 1.0 and finished('He said "go!"') == 1.0
    assert finished("and then") == 0.0
