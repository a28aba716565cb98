"""Review scheduling: the rating mapping, and that wrong answers return sooner than right ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating

from tutor.core.review import rating_for, schedule

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("correct", "hinted", "rating"),
    [
        (True, False, Rating.Good),
        (True, True, Rating.Hard),
        (False, False, Rating.Again),
        (False, True, Rating.Again),
    ],
)
def test_rating_mapping(correct: bool, hinted: bool, rating: Rating) -> None:
    assert rating_for(correct, hinted) == rating


def test_wrong_comes_back_sooner_than_hinted_sooner_than_right() -> None:
    _, wrong = schedule(None, False, False, NOW)
    _, hinted = schedule(None, True, True, NOW)
    _, right = schedule(None, True, False, NOW)
    assert NOW < wrong < hinted < right
    assert wrong - NOW <= timedelta(minutes=10)


def test_intervals_grow_while_right_and_shrink_after_a_lapse() -> None:
    card, due = schedule(None, True, False, NOW)
    intervals = []
    for _ in range(4):
        previous = due
        card, due = schedule(card, True, False, previous)
        intervals.append(due - previous)
    assert intervals == sorted(intervals)
    assert intervals[-1] > timedelta(days=7)
    _, lapsed = schedule(card, False, False, due)
    _, kept = schedule(card, True, False, due)
    assert lapsed - due < timedelta(days=1) < kept - due


def test_card_json_round_trips_and_due_matches() -> None:
    card, due = schedule(None, True, False, NOW)
    assert json.loads(card)["due"] == due.isoformat()
    assert schedule(card, True, False, due)[1] > due  # the stored card is read back
    assert due.tzinfo is not None


def test_schedule_is_deterministic() -> None:
    assert schedule(None, True, False, NOW)[1] == schedule(None, True, False, NOW)[1]


@pytest.mark.parametrize("damaged", ["", "not json", "[]", '{"card_id": 1}', '{"due": 3}'])
def test_damaged_card_restarts(damaged: str) -> None:
    assert schedule(damaged, False, False, NOW)[1] == schedule(None, False, False, NOW)[1]


def test_naive_and_other_timezones_are_taken_as_utc_instants() -> None:
    naive = NOW.replace(tzinfo=None)
    assert schedule(None, True, False, naive)[1] == schedule(None, True, False, NOW)[1]
    paris = NOW.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert schedule(None, True, False, paris)[1] == schedule(None, True, False, NOW)[1]
