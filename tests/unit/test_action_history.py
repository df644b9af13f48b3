"""An item's history and the one rule for its latest word (`domain.action_history`).

- The latest entry is the last of the history, whoever made it: a chair's decision after the
  owner's blocking note is what every view shows, and the item card titles it "Decided by the
  chair", with who and when.
- The owner's self-assessment stands until another is given, whatever comes after it, until
  a reassign: the new owner has not reported one yet.
- The item card's "History" lists the newest few, who and when, the rest counted; typed text
  stays inert. `my actions` and the summary say why an item is red or amber, as its card does.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cards import actions as action_cards
from cards import summaries as summary_cards
from cards.validation import card_problems
from domain import action_history as h
from domain.action_history import HistoryEntry
from domain.actions import group_my_actions, item_rating
from domain.chasers import DEFAULT_POLICY, Rag
from domain.model import ActionStatus
from domain.summaries import Access, build_summary
from tests.unit.test_action_reasons import _facts
from tests.unit.test_my_actions import CHAIR, item
from tests.unit.test_summaries import TODAY, action, records, review

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def entry(kind: str, note: str | None, days: int = 0, **changes: Any) -> HistoryEntry:
    return HistoryEntry(MONDAY + timedelta(days=days), kind, note, **changes)


BLOCKING = entry("blocked", "No analyst until March", by="Owner One", days=-3)
PROGRESS = entry("progress", "Audit tool drafted", by="Owner One", days=-10, rag="red")
AMENDED = entry("chair_amend", "Recruitment agreed", by="Chair Person")
CLOSED = entry("date_closed", "Date request for Fri 1 Jan 2027 closed: the chair amended it.")


def _texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_the_latest_word_is_the_last_entry_whoever_made_it() -> None:
    history = (PROGRESS, BLOCKING, CLOSED, AMENDED)
    assert h.latest(history) is AMENDED
    assert h.latest(()) is None
    assert h.title(AMENDED) == "Decided by the chair"
    assert h.title(BLOCKING) == "Latest update"
    # Each kind of the chair's decisions says so; a closed date request says what its note says.
    for kind in ("chair_reassign", "chair_set_date", "date_approved", "date_declined", "split"):
        assert h.by_chair(entry(kind, "x"))
    assert h.said(CLOSED) == CLOSED.note
    assert h.said(AMENDED) == "Amended: Recruitment agreed"
    assert h.said(BLOCKING) == "Blocked: No analyst until March"
    assert h.said(PROGRESS) == "Audit tool drafted", "the owner's words, as before"
    approved = entry("date_approved", None, proposed_due_on=date(2027, 1, 29))
    assert h.said(approved) == "New date approved, Fri 29 Jan 2027"
    assert h.latest_words(AMENDED) == (
        "Decided by the chair: Amended: Recruitment agreed (Chair Person, Mon 7 Dec 2026)"
    )
    assert h.latest_words(BLOCKING) == "Blocked: No analyst until March (Owner One, Fri 4 Dec 2026)"


def test_the_owners_assessment_stands_until_another_is_given() -> None:
    assert h.owner_rag((PROGRESS, BLOCKING, AMENDED)) == "red"
    assert h.owner_rag((PROGRESS, replace(BLOCKING, kind="progress", rag="green"))) == "green"
    assert h.owner_rag((BLOCKING, AMENDED)) is None


def test_a_new_owner_has_not_yet_reported_the_previous_owner_s_assessment() -> None:
    # walk8: a reassigned item's new owner inherited "off track" from the one before.
    for kind in ("chair_reassign", "lead_reassign"):
        given = entry(kind, "Moved to the new team", by="Chair Person")
        assert h.owner_rag((PROGRESS, BLOCKING, given)) is None, kind
        assert h.owner_rag((PROGRESS, given, AMENDED)) is None, "a later decision keeps it unset"
        theirs = entry("progress", "Picked it up", days=1, rag="amber")
        assert h.owner_rag((PROGRESS, given, theirs)) == "amber", "until the new owner says"
        # The RAG the item's dates give still applies: overdue stays red, whoever owns it.
        reported = h.owner_rag((PROGRESS, given))
        late, later = TODAY - timedelta(days=10), TODAY + timedelta(days=60)
        overdue = item(1, due_on=late, latest_rag=reported)
        assert item_rating(overdue, TODAY, DEFAULT_POLICY)[0] is Rag.RED
        # On track by its dates, the new owner's item is no longer red on the old word.
        fine = item(2, due_on=later, latest_rag=reported)
        assert item_rating(fine, TODAY, DEFAULT_POLICY) == (Rag.GREEN, None)
        before = item(3, due_on=later, latest_rag=h.owner_rag((PROGRESS,)))
        assert item_rating(before, TODAY, DEFAULT_POLICY)[0] is Rag.RED


def test_recent_shows_the_newest_first_and_counts_the_rest() -> None:
    history = tuple(entry("progress", f"Update {n}", days=n) for n in range(7))
    shown = h.recent(history)
    assert [e.note for e in shown.entries] == ["Update 6", "Update 5", "Update 4"]
    assert shown.earlier == 4
    assert shown.earlier_words == "and 4 earlier"
    assert h.recent(history[:2]).earlier_words is None
    assert h.recent(()) == h.Recent((), 0)
    before = h.before_latest(history)
    assert [e.note for e in before.entries] == ["Update 5", "Update 4", "Update 3"]
    assert before.earlier == 3
    assert h.before_latest(history[:1]).entries == ()


def test_the_item_card_shows_the_chairs_decision_and_a_short_history() -> None:
    history = (
        PROGRESS,
        BLOCKING,
        CLOSED,
        AMENDED,
        *(entry("comment", "c", -20 - n) for n in range(3)),
    )
    history = tuple(sorted(history, key=lambda e: e.at))
    decided = item(3, ActionStatus.IN_PROGRESS, history=history)
    card = action_cards.action_item_card(decided, Rag.GREEN)
    assert card_problems(card) == []
    facts = _facts(card)
    assert "Latest update" not in facts, "the owner's blocking note no longer stands as latest"
    assert (
        facts["Decided by the chair"]
        == "Amended: Recruitment agreed (Chair Person, Mon 7 Dec 2026)"
    )
    text = _texts(card)
    assert "History" in text
    assert "and 3 earlier" in text, "six before the latest: three shown, three counted"
    assert "Chair Person, Mon 7 Dec 2026: Amended" not in text, "the latest is not said twice"
    assert "Owner One, Fri 4 Dec 2026: Blocked: No analyst until March" in text
    # One entry: the latest fact says it all, so no History.
    single = action_cards.action_item_card(item(4, history=(BLOCKING,)), Rag.RED)
    assert "History" not in _texts(single)
    assert _facts(single)["Latest update"].startswith("Blocked: No analyst")


def test_typed_text_in_the_history_stays_inert() -> None:
    sneaky = entry("progress", "**bold** [link](https://example.org) <at>x</at>", by="_Owner_")
    card = action_cards.action_item_card(item(5, history=(BLOCKING, sneaky)), Rag.GREEN)
    text = _texts(card)
    assert "**bold**" not in text
    assert "[link](" not in text
    assert "_Owner_" not in text


def test_the_history_keeps_the_card_within_the_teams_limit() -> None:
    long = tuple(entry("progress", "n" * 2000, days=n, by="P" * 200) for n in range(40))
    card = action_cards.action_item_card(item(6, history=long), Rag.RED, owner=False, chair=True)
    assert card_problems(card) == []


@pytest.mark.parametrize("days", [-30, 2])
def test_my_actions_and_the_summary_say_why_red_or_amber_as_the_card_does(days: int) -> None:
    due = TODAY + timedelta(days=days)
    mine = replace(item(7, ActionStatus.IN_PROGRESS), due_on=due, revised_due_on=None)
    rag, reason = item_rating(mine, TODAY, DEFAULT_POLICY)
    assert rag in (Rag.RED, Rag.AMBER)
    assert reason
    why = f"Why it's {rag.value}: {reason}"
    assert (
        _facts(action_cards.action_item_card(mine, rag, rag_reason=reason))[f"Why it's {rag.value}"]
        == reason
    )
    listed = group_my_actions(CHAIR, [mine], [], TODAY, DEFAULT_POLICY)
    assert listed.own[0].reason == reason
    assert why in _texts(action_cards.my_actions_card(listed))
    row = action(status=ActionStatus.IN_PROGRESS, due_on=due)
    summary = build_summary(review(), Access.FULL, records(1, rows=(row,)), TODAY, DEFAULT_POLICY)
    assert summary.actions[0].reason == reason
    assert why in _texts(summary_cards.summary_card(summary))


def test_the_summary_says_the_latest_word_as_the_item_card_does() -> None:
    row = action(status=ActionStatus.IN_PROGRESS, latest=AMENDED)
    summary = build_summary(review(), Access.FULL, records(1, rows=(row,)), TODAY, DEFAULT_POLICY)
    text = _texts(summary_cards.summary_card(summary))
    assert "Latest: Decided by the chair: Amended: Recruitment agreed (Chair Person" in text


def test_a_waiting_row_does_not_say_its_state_twice_but_says_a_late_date() -> None:
    """`my actions` lists a blocked item under what waits for the chair, whose line already says
    "Blocked: …": its "Why red" is left off unless it adds something (it is overdue too)."""
    blocked = item(2, ActionStatus.BLOCKED)
    [row] = group_my_actions(CHAIR, [], [blocked], TODAY, DEFAULT_POLICY).deciding or ()
    assert row.reason is None
    late = replace(blocked, due_on=TODAY - timedelta(days=14), revised_due_on=None)
    [row] = group_my_actions(CHAIR, [], [late], TODAY, DEFAULT_POLICY).deciding or ()
    assert row.reason == item_rating(late, TODAY, DEFAULT_POLICY)[1]
    assert row.reason is not None
    assert row.reason.startswith("blocked; overdue by ")
