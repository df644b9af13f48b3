"""The 7-minute guide's approval: who may approve, the moves between states, the version line
the document prints, and the cards for each state and person (valid, with the right buttons)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards import meeting as cards
from cards import verbs
from cards.validation import card_problems
from domain import guide
from domain.guide import GUIDE_MOVES, GuideState
from domain.meeting import GuideScreen
from domain.records import GuideRecord, GuideVersion
from tests.support.journey import card_verbs
from tests.unit.test_meeting_cards import REVIEW

CHAIR, DEPUTY, LIC, OTHER = 1, 2, 3, 4
PARTS = tuple(f"Part {i + 1} text." for i in range(7))


def refusal(approver: int, *, lic: bool = False, chairs: bool = False) -> str | None:
    return guide.approver_refusal(
        submitted_by=CHAIR, approver_id=approver, is_lic_member=lic, chairs_review=chairs
    )


def test_a_second_person_approves_never_the_one_who_sent_it() -> None:
    assert refusal(LIC, lic=True) is None
    assert refusal(DEPUTY, chairs=True) is None, "the deputy chair is a second chair"
    assert "someone else" in (refusal(CHAIR, chairs=True, lic=True) or "")
    assert "LIC group member" in (refusal(OTHER) or "")


@given(st.integers(1, 50), st.integers(1, 50), st.booleans(), st.booleans())
def test_approval_needs_a_role_and_another_person(
    sender: int, approver: int, lic: bool, chairs: bool
) -> None:
    refused = guide.approver_refusal(
        submitted_by=sender, approver_id=approver, is_lic_member=lic, chairs_review=chairs
    )
    assert (refused is None) == (sender != approver and (lic or chairs))


def test_the_moves_walk_draft_to_published_and_back_to_a_new_draft() -> None:
    assert GUIDE_MOVES["submit"] == (GuideState.DRAFT, GuideState.AWAITING_APPROVAL)
    assert GUIDE_MOVES["approve"] == (GuideState.AWAITING_APPROVAL, GuideState.PUBLISHED)
    assert GUIDE_MOVES["send_back"][1] is GuideState.DRAFT
    assert GUIDE_MOVES["revise"] == (GuideState.PUBLISHED, GuideState.DRAFT)
    # Nothing publishes without passing through approval.
    assert [m for m, (_, target) in GUIDE_MOVES.items() if target is GuideState.PUBLISHED] == [
        "approve"
    ]


def test_the_version_line_says_which_version_and_who_approved() -> None:
    line = guide.version_line(2, date(2026, 12, 4), guide.approver_label(is_lic_member=True))
    assert line == "Version 2, approved by the LIC group on 04 December 2026"
    assert "second chair" in guide.approver_label(is_lic_member=False)
    assert guide.version_line(0, None, None).startswith("Not yet approved")


def version(number: int) -> GuideVersion:
    at = datetime(2026, 12, number, tzinfo=UTC)
    return GuideVersion(number, PARTS, "Lic Member", "the LIC group", at)


def screen(state: GuideState, versions: int, *, edits: bool, approves: bool) -> GuideScreen:
    record = GuideRecord(
        1,
        1,
        PARTS,
        versions > 0,
        0,
        state,
        CHAIR,
        tuple(version(n) for n in range(1, versions + 1)),
    )
    return GuideScreen(REVIEW, record, edits=edits, approves=approves)


@pytest.mark.parametrize(
    ("state", "versions", "edits", "approves", "expected"),
    [
        (GuideState.DRAFT, 0, True, False, {verbs.GUIDE_SUBMIT, verbs.GUIDE_SAVE}),
        (GuideState.AWAITING_APPROVAL, 0, True, False, {verbs.GUIDE_SEND_BACK}),
        (GuideState.AWAITING_APPROVAL, 0, False, True, {verbs.GUIDE_APPROVE}),
        (GuideState.PUBLISHED, 1, True, False, {verbs.GUIDE_REVISE, verbs.GUIDE_EXPORT}),
        (GuideState.PUBLISHED, 1, False, False, {verbs.GUIDE_EXPORT}),
        (GuideState.DRAFT, 2, True, False, {verbs.GUIDE_SUBMIT, verbs.GUIDE_EXPORT}),
    ],
)
def test_each_state_offers_its_moves(
    state: GuideState, versions: int, edits: bool, approves: bool, expected: set[str]
) -> None:
    card = cards.guide_card(screen(state, versions, edits=edits, approves=approves))
    assert card_problems(card) == []
    shown = set(card_verbs(card))
    assert expected <= shown, shown
    if not approves:
        assert verbs.GUIDE_APPROVE not in shown
    if not edits:
        assert not {verbs.GUIDE_REVISE, verbs.GUIDE_SUBMIT, verbs.GUIDE_SAVE} & shown


def test_the_versions_are_listed_with_their_approval() -> None:
    card = cards.guide_card(screen(GuideState.PUBLISHED, 2, edits=True, approves=False))
    text = str(card)
    assert "Version 2 published" in text
    assert "Version 1" in text
    assert "Lic Member (the LIC group)" in text
    assert "Revise as version 3" in text


def test_the_approval_request_card_is_valid() -> None:
    request = cards.guide_approval_card(
        screen(GuideState.AWAITING_APPROVAL, 1, edits=False, approves=True), "Review Chair"
    )
    assert card_problems(request) == []
    assert {verbs.GUIDE_APPROVE, verbs.GUIDE_SEND_BACK} <= set(card_verbs(request))
    assert "version 2" in str(request)
    assert "empty" not in str(request), "every box is written: no warning"


@pytest.mark.parametrize("approves", [True, False])
def test_the_approver_is_warned_of_empty_boxes_before_publishing(approves: bool) -> None:
    with_gaps = screen(GuideState.AWAITING_APPROVAL, 0, edits=not approves, approves=approves)
    parts = (*PARTS[:3], "", "  ", *PARTS[5:])
    with_gaps = replace(with_gaps, guide=replace(with_gaps.guide, parts=parts))
    request = cards.guide_approval_card(with_gaps, "Review Chair")
    guide_card = cards.guide_card(with_gaps)
    assert card_problems(request) == []
    assert card_problems(guide_card) == []
    warning = (
        f"These boxes are empty: {guide.PART_TITLES[3]}; {guide.PART_TITLES[4]}. The briefing "
        "goes to every team with its seven boxes written"
    )
    assert warning in str(request)
    assert "send it back to the chair to write it" in str(request)
    # Approving would be refused (meeting.approve_guide): no Approve button to press.
    assert verbs.GUIDE_APPROVE not in set(card_verbs(request))
    assert verbs.GUIDE_SEND_BACK in set(card_verbs(request))
    # named as the boxes are titled on the card the approver has open
    assert "These boxes are empty: 4 · Key learning; 5 · Key learning." in str(request)
    assert "4 · Key learning" in str(guide_card)
    assert "4. Key learning" not in str(guide_card)
    # On the guide card only the approver, who has the Approve button, is warned.
    assert (warning in str(guide_card)) is approves
    assert verbs.GUIDE_APPROVE not in set(card_verbs(guide_card))
    one = replace(with_gaps, guide=replace(with_gaps.guide, parts=(*PARTS[:6], "")))
    assert f"This box is empty: {guide.PART_TITLES[6]}." in str(
        cards.guide_approval_card(one, "Review Chair")
    )


def test_the_chair_is_told_under_each_empty_box_by_the_rule_the_approver_meets() -> None:
    drafting = screen(GuideState.DRAFT, 0, edits=True, approves=False)
    parts = (*PARTS[:4], " \n ", *PARTS[5:])
    card = cards.guide_card(replace(drafting, guide=replace(drafting.guide, parts=parts)))
    assert card_problems(card) == []
    texts = _texts(card["body"])
    box = texts.index(guide.PART_TITLES[4] + " (up to 650 characters)")
    # Box 5 is a key learning box: what to write when no further point was agreed.
    assert guide.empty_box_note(4) in texts[box:], "said under the empty box"
    assert "No further key learning point" in guide.empty_box_note(4)
    assert texts.count(guide.empty_box_note(4)) == 1, "only the empty one"
    full = cards.guide_card(drafting)
    assert guide.EMPTY_BOX_NOTE not in str(full)
    assert guide.empty_box_note(6) == guide.EMPTY_BOX_NOTE, "box 7 is not a learning point"


def test_one_rule_names_the_empty_boxes() -> None:
    assert guide.empty_boxes(PARTS) == ()
    assert guide.empty_boxes_message(PARTS, then="x") is None
    parts = ("", *PARTS[1:4], "\n\t ", *PARTS[5:])
    assert guide.empty_boxes(parts) == (0, 4)
    said = guide.empty_boxes_message(parts, then="write it")
    assert said is not None
    assert said.startswith("These boxes are empty: 1 · Background; 5 · Key learning.")
    assert said.endswith(": write it.")


def _texts(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        own += [node["label"]] if isinstance(node.get("label"), str) else []
        return own + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []
