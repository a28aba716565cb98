"""Spaced review of quiz questions, scheduled with FSRS.

Every answered question becomes a review card. Cards are scheduled by the `fsrs` package
(py-fsrs, the official implementation of the Free Spaced Repetition Scheduler that modern Anki
uses; major version 6 pinned in pyproject.toml). The progress store keeps each card as the JSON
`fsrs.Card.to_json()` produces; this module only turns an answer into a rating:

============================  ================  ===========================================
answer                        FSRS rating       effect with the default scheduler
============================  ================  ===========================================
wrong (score < 1)             ``Rating.Again``  back soon: 1 minute when new, 10 min lapsed
right, but a hint was used    ``Rating.Hard``   a shorter interval than Good
right without a hint          ``Rating.Good``   10 minutes when new, then days, then longer
============================  ================  ===========================================

``Rating.Easy`` is never given: a quiz cannot tell "easy" from "right", and Easy would push a
card out for days after a single answer. Partly right answers count as wrong, so they return.
Interval fuzzing is off so that schedules are reproducible (and testable).
"""

from __future__ import annotations

from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

_SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(correct: bool, hinted: bool) -> Rating:
    """The FSRS rating an answer earns (see the module docstring for why)."""
    if not correct:
        return Rating.Again
    return Rating.Hard if hinted else Rating.Good


def _utc(moment: datetime) -> datetime:
    """`moment` in UTC, as fsrs requires; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _load(card_json: str | None, now: datetime) -> Card:
    """The stored card, or a fresh one when there is none or it cannot be read."""
    if card_json:
        try:
            return Card.from_json(card_json)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # a damaged card restarts its schedule rather than breaking the review
    return Card(card_id=int(now.timestamp() * 1000), due=now)


def schedule(
    card_json: str | None, correct: bool, hinted: bool, now: datetime
) -> tuple[str, datetime]:
    """Review a card with the answer just given; returns the updated card JSON and when it is due.

    `card_json` is what the store holds for the question (None the first time it is answered).
    """
    moment = _utc(now)
    card, _log = _SCHEDULER.review_card(
        _load(card_json, moment), rating_for(correct, hinted), moment
    )
    return card.to_json(), card.due
