"""Revisions: what a card was drawn at, compared when its button comes back (bot/freshness.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.idempotency import REVISION, revision_of, shown_revision
from domain.meeting import outcome_revision
from domain.records import OutcomeRecord


def outcome(**changes: object) -> OutcomeRecord:
    fields: dict[str, object] = {
        "review_id": 1,
        "attendees": {"Demo Police": "DS"},
        "agreed_themes": ("neglect",),
        "learning_needs": ("Escalation",),
        "draft_actions": ({"description": "Audit", "due_on": "2099-03-31"},),
        "published_at": None,
    }
    return OutcomeRecord(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_json_column_read_back_in_another_key_order_has_the_same_revision() -> None:
    assert revision_of({"a": 1, "b": [1, 2]}) == revision_of({"b": [1, 2], "a": 1})
    assert revision_of({"a": 1}) != revision_of({"a": 2})
    assert revision_of("1", 2) != revision_of("12")


def test_an_outcome_s_revision_moves_with_everything_a_save_rewrites() -> None:
    base = outcome_revision(outcome())
    reordered = outcome(draft_actions=({"due_on": "2099-03-31", "description": "Audit"},))
    assert outcome_revision(reordered) == base
    for change in (
        {"attendees": {"Demo Police": "DI"}},
        {"agreed_themes": ("neglect", "voice")},
        {"learning_needs": ()},
        {"draft_actions": ()},
        {"published_at": datetime(2026, 12, 1, tzinfo=UTC)},
    ):
        assert outcome_revision(outcome(**change)) != base, change
    assert outcome_revision(None) != base


def test_a_shown_revision_is_read_with_or_without_a_card_id() -> None:
    assert shown_revision({REVISION: "abc123"}) == "abc123"
    assert shown_revision({REVISION: 7}) == "7"
    for bad in (None, True, "", "x" * 65, "a b", ["abc"]):
        assert shown_revision({REVISION: bad}) is None
    assert shown_revision({}) is None
