"""The audit trail, retention and legal hold cards: valid Adaptive Card 1.5 within the Teams size
limit even at their largest, buttons on verbs the bot handles, CSV cells that can't run."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from cards import governance as cards
from cards import verbs
from cards.common import card_nodes
from cards.validation import card_problems
from domain.audit_trail import PAGE_SIZE, TrailEvent, TrailNames, TrailPage, TrailSubjects
from domain.audit_words import TRAIL_CSV_NOTE
from domain.model import ReviewStage
from domain.retention import (
    HOLD_REASON_MAX,
    HoldPlaced,
    HoldView,
    RetentionPolicy,
    RetentionReport,
)
from domain.retention import RetentionScreen as Screen
from exports.audit_trail import trail_csv
from exports.cells import csv_text

SUBJECTS = TrailSubjects(4, "LOS-2026-004", "Child K", (1,), (2,), (3,), (4,))
WHEN = datetime(2026, 11, 26, 14, 3, tzinfo=UTC)


def event(number: int, name: str | None = "Review Chair", size: int = 20) -> TrailEvent:
    return TrailEvent(
        number,
        WHEN,
        "0c8a7b6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d" if name else None,
        name,
        "return.signed_off",
        "pre_analysis_return",
        str(number),
        {"status": "submitted", "long": "x" * size},
        {"status": "signed_off", "long": "y" * size},
    )


PLACED = HoldPlaced("Review Chair", WHEN, "Coroner's inquest " + "r" * (HOLD_REASON_MAX - 18))


def held(number: int, hold: bool = True) -> HoldView:
    placed = PLACED if hold else None
    reference = f"LOS-2026-{number:03d}"
    return HoldView(number, reference, "Child K", ReviewStage.CLOSED, hold, None, placed)


def screen(holds: int = 1) -> Screen:
    due = RetentionReport(1, True, {"review": 1, "answer": 40, "chaser_log": 7})
    return Screen(RetentionPolicy(), tuple(held(i) for i in range(holds)), due)


CARDS = {
    "trail": cards.audit_trail_card(TrailPage(SUBJECTS, (event(1), event(2, None)), 1, 3, 30)),
    "trail, last page": cards.audit_trail_card(TrailPage(SUBJECTS, (event(1),), 3, 3, 30)),
    "trail, empty": cards.audit_trail_card(TrailPage(SUBJECTS, (), 1, 1, 0)),
    "trail, largest": cards.audit_trail_card(
        TrailPage(
            SUBJECTS,
            tuple(event(i, "N" * 200, 10_000) for i in range(PAGE_SIZE)),
            2,
            9,
            100,
        )
    ),
    "retention": cards.retention_card(screen()),
    "retention, errors": cards.retention_card(
        screen(0), {"closed_review_months": "0"}, {"closed_review_months": "Enter 1 to 600."}
    ),
    "retention, many holds": cards.retention_card(screen(40), notices=("Saved.",)),
    "legal hold, off": cards.legal_hold_card(held(4, hold=False)),
    "legal hold, on": cards.legal_hold_card(
        held(4), {"reason": "Too long"}, notices=("Saved: it is under legal hold.",)
    ),
}


@pytest.mark.parametrize("name", sorted(CARDS))
def test_card_is_valid_for_teams(name: str) -> None:
    assert card_problems(CARDS[name]) == []


@pytest.mark.parametrize("name", sorted(CARDS))
def test_buttons_use_verbs_in_the_table(name: str) -> None:
    for action in CARDS[name].get("actions", []):
        assert action["verb"] in verbs.ALL


def test_trail_pages_name_the_review_and_the_deleted_one_by_reference() -> None:
    actions = CARDS["trail"]["actions"]
    assert [a["title"] for a in actions] == ["Export CSV", "Older"]
    assert actions[1]["data"] == {"review_id": 4, "page": 2, "verb": verbs.AUDIT_TRAIL}
    gone = TrailSubjects(4, "LOS-2026-004", "(deleted)", (), (), (), (), deleted=True)
    card = cards.audit_trail_card(TrailPage(gone, (), 1, 1, 0))
    assert card["actions"][0]["data"]["review_id"] == "LOS-2026-004"


def test_the_trail_card_says_each_event_in_words_and_keeps_fingerprints_off_it() -> None:
    """walk8: the card showed "return.signed_off · pre_analysis_return 12", stored statuses
    and fingerprints. It names the record and the person and says what was done; the stored
    values are in the CSV."""
    names = TrailNames(returns={1: "Demo Police"}, members={6: "Alex Wilber"})
    saved = TrailEvent(
        2, WHEN, "aad", "Alex Wilber", "return.answers_saved", "pre_analysis_return", "1",
        None, {"agency_team": "sha256:dce5c68c722ee885"},
    )  # fmt: skip
    card = cards.audit_trail_card(TrailPage(SUBJECTS, (event(1), saved), 1, 1, 2, names))
    text = json.dumps(card, ensure_ascii=False)
    for words in (
        "Demo Police's return",
        "Review Chair signed off the return",
        "Status: Submitted: waiting for sign-off → Signed off",
        "Thu 26 Nov 2026 at 14:03",
        "Alex Wilber saved answers in the return",
        TRAIL_CSV_NOTE,
    ):
        assert words in text, words
    for stored in ("pre_analysis_return", "return.signed_off", "signed_off", "sha256:"):
        assert stored not in text, stored
    # A long value is clipped to keep the card small.
    assert "y" * cards.CHANGE_MAX not in json.dumps(CARDS["trail, largest"])


def _texts(card: dict[str, object]) -> list[str]:
    return [str(n["text"]) for n in card_nodes(card) if n.get("type") == "TextBlock"]


def _facts(card: dict[str, object]) -> dict[str, str]:
    return {
        str(f["title"]): str(f["value"])
        for n in card_nodes(card)
        if n.get("type") == "FactSet"
        for f in n["facts"]
    }


def test_the_hold_card_says_who_held_it_since_when_and_why_and_the_review_s_own_end() -> None:
    """walk8: it showed no reason, who or since when, and "Ended on: still open" (ISO when
    ended) read as if about the hold."""
    short = replace(PLACED, reason="Coroner's inquest")
    card = cards.legal_hold_card(replace(held(4), placed=short))
    assert "Held since Thu 26 Nov 2026 by Review Chair: Coroner's inquest" in _texts(card)
    assert _facts(card) == {"Now": "under legal hold", "The review": "still open (not ended)"}
    ended = cards.legal_hold_card(replace(held(4, hold=False), ended_on=date(2026, 3, 5)))
    assert _facts(ended)["The review"] == "ended Thu 5 Mar 2026"
    assert not any(t.startswith("Held") for t in _texts(ended))
    unknown = cards.legal_hold_card(replace(held(4), placed=None))
    assert any("not on the audit trail" in t for t in _texts(unknown))


def test_the_retention_card_lists_each_hold_s_reason_with_a_button_to_its_hold_card() -> None:
    card = cards.retention_card(screen(3))
    assert (
        sum(t.startswith("Held since Thu 26 Nov 2026 by Review Chair") for t in _texts(card)) == 3
    )
    opens = [
        n
        for n in card_nodes(card)
        if n.get("type") == "Action.Execute" and n.get("verb") == verbs.LEGAL_HOLD
    ]
    assert [(a["title"], a["data"]["review_id"]) for a in opens] == [
        (f"Open the legal hold on LOS-2026-{n:03d}", n) for n in range(3)
    ]


def test_the_hold_reason_input_is_bounded() -> None:
    [reason] = [e for e in CARDS["legal hold, off"]["body"] if e.get("id") == "reason"]
    assert reason["maxLength"] == HOLD_REASON_MAX


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_csv_cells_never_start_a_formula(start: str) -> None:
    assert csv_text(f"{start}1+1") == f"'{start}1+1"
    assert csv_text("Review Chair") == "Review Chair"
    assert csv_text(None) == ""


def test_trail_csv_has_a_header_and_one_row_per_event() -> None:
    bad = TrailEvent(9, WHEN, None, "=cmd|' /C calc'!A0", "x.y", "review", "4", None, None)
    names = TrailNames(returns={1: "Demo Police"})
    raw = trail_csv(SUBJECTS, [event(1), bad], names)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[1][0] == "at_utc"
    assert len(rows) == 4
    assert rows[3][1] == "'=cmd|' /C calc'!A0"
    assert date.fromisoformat(rows[2][0][:10]) == date(2026, 11, 26)
    # The stored values stay where a machine reads them; the card's words follow them.
    assert rows[1] == [
        "at_utc", "actor", "actor_aad_object_id", "action", "record_type", "record_id",
        "before", "after", "when_local", "record", "what_happened", "details",
    ]  # fmt: skip
    assert rows[2][3:6] == ["return.signed_off", "pre_analysis_return", "1"]
    assert json.loads(rows[2][7])["status"] == "signed_off"
    assert rows[2][8:11] == [
        "Thu 26 Nov 2026 14:03",
        "Demo Police's return",
        "Review Chair signed off the return",
    ]
    assert rows[2][11].startswith("Status: Submitted: waiting for sign-off → Signed off")
    # A name that would run as a formula is neutralised in the words' column too.
    assert rows[3][9:11] == ["The review LOS-2026-004", "'=cmd|' /C calc'!A0 recorded “x.y”"]


def test_the_retention_card_says_how_many_holds_there_are_and_pages_past_twenty() -> None:
    """It listed the first 20 holds and "…and 37 more." with no way to see them: it says how
    many, which ones it shows, and pages with the retention verb (read-only), both ways."""
    first = cards.retention_card(screen(57))
    texts = _texts(first)
    assert "Reviews under legal hold (57)" in texts
    assert "Showing 1 to 20 of 57 reviews under legal hold." in texts
    assert any(t.startswith("37 more under legal hold after these.") for t in texts)

    def pages(card: dict[str, object]) -> dict[str, object]:
        return {
            str(n["title"]): n["data"]["held_from"]
            for n in card_nodes(card)
            if n.get("type") == "Action.Execute" and n.get("verb") == verbs.RETENTION
        }

    assert pages(first) == {"Next 20 held reviews": 20}
    last = cards.retention_card(replace(screen(57), held_from=40))
    assert "Showing 41 to 57 of 57 reviews under legal hold." in _texts(last)
    assert pages(last) == {"Previous 20 held reviews": 20}
    assert sum(t.startswith("Held since") for t in _texts(last)) == 17
    assert card_problems(last) == []
    assert "Showing" not in json.dumps(cards.retention_card(screen(20)))


def test_the_hold_card_says_a_lifted_hold_was_lifted_by_whom_when_and_why() -> None:
    """A lifted hold's reason was on the audit trail only: the card of a review no longer
    held says the last hold was lifted, by whom, on which day and why."""
    lifted = HoldPlaced("Alex Wilber", WHEN, "Inquest concluded")
    card = cards.legal_hold_card(replace(held(4, hold=False), lifted=lifted))
    assert "A legal hold was lifted on Thu 26 Nov 2026 by Alex Wilber: Inquest concluded" in (
        _texts(card)
    )
    assert _facts(card)["Now"] == "not held"
    never = cards.legal_hold_card(held(4, hold=False))
    assert not any("lifted" in t for t in _texts(never))
    # Held again: the lift is history, the placing now in force is what the card says.
    again = cards.legal_hold_card(replace(held(4), lifted=lifted))
    assert not any("lifted on" in t for t in _texts(again))
