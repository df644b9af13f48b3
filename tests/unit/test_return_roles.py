"""Whose card a return's writing cards are drawn for (walk 6b): a lead reading a return its
practitioners are still writing is told who is writing it and offered no Submit; a lead who
writes it too (small agencies) gets the writer's card, and is never told that they have
their own comments."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from cards import returns as cards
from cards import verbs
from cards.validation import card_problems
from domain.chronology import page
from domain.held import Seen
from domain.model import MemberView, ReturnStatus, ReviewStage, Role
from domain.questions import default_question_bank
from domain.records import SentBack
from domain.returns import (
    OVERVIEW_PLACE,
    Overview,
    OverviewHeading,
    ReturnRole,
    SectionScreen,
    SectionState,
    SectionStatus,
    being_written_line,
    continue_command,
    jump_targets,
    late_notice,
    opening_position,
    overview_heading,
    overview_position,
    role_on_return,
    saved_notice,
    section_state,
    sent_back_message,
)
from tests.unit.test_return_cards import RET as CARDS_RET

BANK = default_question_bank()
AGENCY = 7
WRITER, LEAD, LEAD_WRITER, CHAIR = 2, 3, 4, 1
# The cards' return, in progress at section 4, written by one practitioner, with no comments.
RET = replace(
    CARDS_RET,
    chair_member_id=CHAIR,
    agency_id=AGENCY,
    agency_name="Police",
    current_section=3,
    bank_version=BANK.version,
    sent_back=None,
    assignee_ids=frozenset({WRITER}),
)


def member(member_id: int, *roles: Role, agency_id: int | None = AGENCY) -> MemberView:
    return MemberView(member_id, 1, None, f"Member {member_id}", agency_id, frozenset(roles))


def test_an_assigned_practitioner_writes_it() -> None:
    assert role_on_return(member(WRITER, Role.PRACTITIONER), RET) is ReturnRole.WRITER


def test_a_lead_reads_a_return_its_practitioners_are_writing() -> None:
    assert role_on_return(member(LEAD, Role.AGENCY_LEAD), RET) is ReturnRole.LEAD_READER
    returned = replace(RET, status=ReturnStatus.RETURNED, sent_back=SentBack("Say more"))
    assert role_on_return(member(LEAD, Role.AGENCY_LEAD), returned) is ReturnRole.LEAD_READER


def test_a_lead_of_another_agency_covering_this_one_reads_it_too() -> None:
    cover = replace(member(LEAD, Role.AGENCY_LEAD, agency_id=99), covered_agency_ids={AGENCY})
    assert role_on_return(cover, RET) is ReturnRole.LEAD_READER


@pytest.mark.parametrize("assignees", [{LEAD_WRITER}, {LEAD_WRITER, WRITER}, set()])
def test_a_lead_assigned_or_with_nobody_assigned_writes_it(assignees: set[int]) -> None:
    ret = replace(RET, assignee_ids=frozenset(assignees))
    lead = member(LEAD_WRITER, Role.AGENCY_LEAD, Role.PRACTITIONER)
    assert role_on_return(lead, ret) is ReturnRole.LEAD_WRITER


@pytest.mark.parametrize(
    "status", [ReturnStatus.SUBMITTED, ReturnStatus.SIGNED_OFF, ReturnStatus.WITHDRAWN]
)
def test_nobody_writes_a_return_past_writing(status: ReturnStatus) -> None:
    ret = replace(RET, status=status)
    for who in (member(WRITER, Role.PRACTITIONER), member(LEAD, Role.AGENCY_LEAD)):
        assert role_on_return(who, ret) is ReturnRole.READER


def test_nobody_writes_a_cancelled_reviews_return() -> None:
    ret = replace(RET, review_stage=ReviewStage.CANCELLED)
    assert role_on_return(member(LEAD, Role.AGENCY_LEAD), ret) is ReturnRole.READER


def test_a_reading_lead_opens_the_overview_and_a_writer_where_they_stopped() -> None:
    assert opening_position(member(LEAD, Role.AGENCY_LEAD), RET) == overview_position(BANK)
    assert opening_position(member(WRITER, Role.PRACTITIONER), RET) == 3
    lead_writer = member(LEAD_WRITER, Role.AGENCY_LEAD)
    assert opening_position(lead_writer, replace(RET, assignee_ids=frozenset({4}))) == 3


def test_the_reading_lead_is_told_who_is_writing_it() -> None:
    writers = ["Police Colleague", "Police Practitioner"]
    line = being_written_line(writers, ReturnStatus.IN_PROGRESS)
    assert line.startswith(
        "This return is still being written by Police Colleague and Police Practitioner."
    )
    assert "sign-off card when it's submitted to you" in line
    # Nothing saved yet is not "being written"; sent back is "back with" them.
    assert being_written_line(writers, ReturnStatus.NOT_STARTED).startswith(
        "This return is with Police Colleague and Police Practitioner to write; nothing is "
        "saved yet."
    )
    assert being_written_line(writers, ReturnStatus.RETURNED).startswith(
        "This return is back with Police Colleague and Police Practitioner for changes."
    )


@pytest.mark.parametrize(
    ("status", "title", "line"),
    [
        (ReturnStatus.NOT_STARTED, "Return not started yet", "Not started: nothing is saved yet"),
        (ReturnStatus.IN_PROGRESS, "Return in progress", "In progress"),
        (ReturnStatus.RETURNED, "Return sent back for changes", "Returned for changes"),
    ],
)
def test_a_reading_leads_title_and_status_line_say_the_same(
    status: ReturnStatus, title: str, line: str
) -> None:
    # Walk7: "Return in progress" over "Status: Not started".
    ret = replace(RET, status=status)
    summary = Overview(ret, (), 0, (), read_only=False, role=ReturnRole.LEAD_READER)
    card = cards.overview_card(summary)
    assert card_problems(card) == []
    assert card["body"][1]["text"] == title  # type: ignore[index]
    assert {"title": "Status", "value": line} in facts_of(card)
    assert overview_heading(ReturnRole.LEAD_READER, status) == OverviewHeading(title, line)


def facts_of(card: dict[str, object]) -> list[dict[str, str]]:
    body = card["body"]
    assert isinstance(body, list)
    return [f for e in body if e.get("type") == "FactSet" for f in e["facts"]]


def overview(role: ReturnRole, writers: tuple[str, ...] = ()) -> Overview:
    return Overview(RET, (), 0, (), read_only=False, role=role, writers=writers)


def titles(card: dict[str, object]) -> list[str]:
    actions = card["actions"]
    assert isinstance(actions, list)
    return [a["title"] for a in actions]


def test_the_reading_leads_card_offers_no_submit_and_names_the_writers() -> None:
    card = cards.overview_card(overview(ReturnRole.LEAD_READER, ("Police Practitioner",)))
    assert card_problems(card) == []
    text = json.dumps(card)
    assert "Submit to" not in text
    assert "return_submit" not in text
    assert "still being written by Police Practitioner" in text
    assert "Return in progress" in text
    assert titles(card) == ["Chronology"]


def test_a_reading_lead_sees_comments_sent_back_as_comments_not_as_theirs() -> None:
    ret = replace(RET, status=ReturnStatus.RETURNED, sent_back=SentBack("Say more"))
    summary = Overview(ret, (), 0, (), read_only=False, role=ReturnRole.LEAD_READER)
    text = json.dumps(cards.overview_card(summary))
    assert "Returned with comments: Say more" in text
    assert "your agency lead" not in text


def test_a_writer_and_a_lead_who_writes_it_too_get_the_writers_card() -> None:
    for role in (ReturnRole.WRITER, ReturnRole.LEAD_WRITER):
        card = cards.overview_card(overview(role))
        assert titles(card)[-1] == "Submit to agency lead"
        assert card["actions"][-1]["style"] == "positive"  # type: ignore[index]
        assert "still being written" not in json.dumps(card)


def test_a_lead_who_writes_it_alone_is_not_told_they_have_their_own_comments() -> None:
    alone = sent_back_message([], [], own=True)
    assert alone.startswith("It's back with you to change")
    assert "has your comments" not in alone
    assert "No practitioner is assigned" not in alone
    shared = sent_back_message(["Police Colleague"], [], own=True)
    assert shared.startswith("It's back with you to change too.")
    assert "Police Colleague has your comments" in shared


def test_returned_comments_are_the_agency_leads_only_to_a_practitioner() -> None:
    ret = replace(RET, status=ReturnStatus.RETURNED, sent_back=SentBack("Add the dates."))
    for role, said in (
        (ReturnRole.WRITER, "Returned by your agency lead: Add the dates."),
        (ReturnRole.LEAD_WRITER, "Returned with comments: Add the dates."),
    ):
        screen = SectionScreen(ret, BANK, 0, None, (), {}, {}, role=role)
        chronology = cards.chronology_card(ret, page([], 1), 0, read_only=False, role=role)
        summary = Overview(ret, (), 0, (), read_only=False, role=role)
        for card in (cards.section_card(screen), chronology, cards.overview_card(summary)):
            assert card_problems(card) == []
            assert said in json.dumps(card), (role, card["body"][1])


def test_the_reading_leads_chronology_offers_the_overview_not_review_and_submit() -> None:
    lead = cards.chronology_card(RET, page([], 1), 0, read_only=False, role=ReturnRole.LEAD_READER)
    writer = cards.chronology_card(RET, page([], 1), 0, read_only=False)
    assert card_problems(lead) == []
    assert "Overview" in titles(lead)
    assert "Review and submit" not in titles(lead)
    assert titles(writer)[-1] == "Review and submit"


def test_a_reading_leads_go_to_list_names_the_overview_as_theirs() -> None:
    lead = dict(jump_targets(BANK, Seen({}), ReturnRole.LEAD_READER))
    writer = dict(jump_targets(BANK, Seen({})))
    assert lead[OVERVIEW_PLACE] == "Overview"
    assert writer[OVERVIEW_PLACE] == "Review and submit"


def test_the_overdue_line_asks_only_its_writers_to_finish_it() -> None:
    due = "Overdue: this return was due Mon 23 Nov 2026."
    ret = replace(RET, due_on=date(2026, 11, 23))
    writer = late_notice(member(WRITER, Role.PRACTITIONER), ret)
    assert writer == f"{due} Please finish it as soon as you can."
    assert late_notice(member(LEAD, Role.AGENCY_LEAD), ret) == due


def test_a_reading_lead_is_told_to_name_the_review_to_come_back() -> None:
    # Typed alone, `continue` opens only the returns a person writes.
    assert continue_command(member(WRITER, Role.PRACTITIONER), RET) == "continue"
    lead_writer = replace(RET, assignee_ids=frozenset({LEAD_WRITER}))
    lead = member(LEAD_WRITER, Role.AGENCY_LEAD, Role.PRACTITIONER)
    assert continue_command(lead, lead_writer) == "continue"
    assert continue_command(member(LEAD, Role.AGENCY_LEAD), RET) == f"continue {RET.reference}"


def test_every_card_continue_opens_offers_a_sign_off_waiting_beside_it() -> None:
    """`continue LOS-…` opens one return; another agency's return on the same review waiting
    for the reader's sign-off is said, with a button to its sign-off card, whichever card it
    lands on (a writer's section, the chronology, a reading lead's overview, the list)."""
    waiting = replace(RET, id=RET.id + 1, agency_id=AGENCY + 1, agency_name="Health")
    said = f"The Health return on {RET.reference} is waiting for your sign-off."
    here = (waiting,)
    drawn = {
        "section": cards.section_card(
            SectionScreen(RET, BANK, 0, None, (), {}, {}, sign_offs_here=here)
        ),
        "read-only section": cards.section_card(
            SectionScreen(RET, BANK, 0, None, (), {}, {}, read_only=True, sign_offs_here=here)
        ),
        "chronology": cards.chronology_card(
            RET, page([], 1), 0, read_only=False, sign_offs_here=here
        ),
        "reading lead": cards.overview_card(
            replace(overview(ReturnRole.LEAD_READER, ("P",)), sign_offs_here=here)
        ),
        "writer's overview": cards.overview_card(
            replace(overview(ReturnRole.LEAD_WRITER), sign_offs_here=here)
        ),
        "list": cards.returns_list_card([RET, replace(RET, id=RET.id + 2)], None, here),
    }
    for name, card in drawn.items():
        assert card_problems(card) == [], name
        text = json.dumps(card, ensure_ascii=False)
        assert said in text, name
        opens = [
            b
            for e in _elements(card["body"])
            if e.get("type") == "ActionSet"
            for b in e["actions"]
            if b.get("verb") == verbs.SIGNOFF_OPEN
        ]
        assert [(b["title"], b["data"]["return_id"]) for b in opens] == [
            ("Open the Health sign-off card", waiting.id)
        ], name
    # Nothing waiting: nothing said.
    plain = cards.section_card(SectionScreen(RET, BANK, 0, None, (), {}, {}))
    assert "waiting for your sign-off" not in json.dumps(plain)
    assert verbs.SIGNOFF_OPEN not in json.dumps(plain)


def _elements(items: object) -> list[dict[str, object]]:
    """Every element of a card's body, containers opened."""
    found: list[dict[str, object]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            found.append(item)
            found.extend(_elements(item.get("items")))
    return found


def test_save_draft_says_what_continue_will_open() -> None:
    # A writer's Save moves where the return resumes, so `continue` comes back to that part;
    # a reading lead's leaves it, and their `continue LOS-…` opens the overview (walk7).
    writer = saved_notice(member(WRITER, Role.PRACTITIONER), RET)
    assert writer == "Saved. You can close Teams now: type continue to come back here."
    lead = member(LEAD, Role.AGENCY_LEAD)
    assert saved_notice(lead, RET) == (
        f"Saved. You can close Teams now: type continue {RET.reference} to open this "
        "return again, at its overview."
    )
    assert "come back here" not in saved_notice(lead, RET)
    # Where their `continue` lists several returns, they are told which one to choose.
    assert saved_notice(lead, RET, alone=False) == (
        f"Saved. You can close Teams now: type continue {RET.reference} and choose the "
        f"{RET.agency_name} return to open it again, at its overview."
    )
    # A Save with nothing in the whole return stores nothing, and says so (walk8).
    assert saved_notice(lead, RET, anything=False).startswith(
        "Nothing is saved yet: every box is empty. You can close Teams now"
    )
    assert saved_notice(member(WRITER, Role.PRACTITIONER), RET, alone=False) == (
        f"Saved. You can close Teams now: type continue and choose the {RET.agency_name} "
        f"return on {RET.reference} to come back here."
    )
    assert opening_position(lead, RET) == overview_position(BANK)


def test_only_its_writers_are_told_a_section_is_theirs_to_answer() -> None:
    """walk8: a lead reading a return nobody had started saw every section heading in red,
    "· 6 to answer", which read as errors. Only its writers have anything to answer."""
    for role in (ReturnRole.WRITER, ReturnRole.LEAD_WRITER):
        assert section_state(role, 6) == SectionState("6 to answer", to_do=True)
    for role in (ReturnRole.LEAD_READER, ReturnRole.READER):
        assert section_state(role, 6) == SectionState("6 not answered yet", to_do=False)
    for role in ReturnRole:
        assert section_state(role, 0) == SectionState("Complete", to_do=False)


def _unanswered(role: ReturnRole) -> dict[str, object]:
    """The overview card for `role` of a return whose first section has six unanswered."""
    missing = SectionStatus(0, "About this return", 0, 6, tuple("abcdef"), ())
    return cards.overview_card(replace(overview(role, ("P",)), sections=(missing,)))


def test_a_reader_s_overview_shows_unanswered_sections_plainly() -> None:
    writer = _elements(_unanswered(ReturnRole.WRITER)["body"])
    said = [e for e in writer if e.get("text") == "About this return · 6 to answer"]
    assert len(said) == 1
    assert said[0]["color"] == "attention", "theirs to do"
    for role in (ReturnRole.LEAD_READER, ReturnRole.READER):
        card = _unanswered(role)
        assert card_problems(card) == []
        text = json.dumps(card)
        assert "to answer" not in text, role
        blocks = [e for e in _elements(card["body"]) if e.get("type") == "TextBlock"]
        said = [e for e in blocks if e["text"] == "About this return · 6 not answered yet"]
        assert len(said) == 1, role
        assert "color" not in said[0], role


def test_the_sign_off_continue_leads_with_offers_the_return_it_opened_to_read() -> None:
    """walk8: Alex's `continue LOS-2026-002` led with a return he only reads; the sign-off
    waiting for him leads now, the return he reads offered beside it."""
    waiting = replace(RET, id=RET.id + 1, status=ReturnStatus.SUBMITTED, agency_name="Health")
    reading = replace(RET, status=ReturnStatus.NOT_STARTED)
    summary = Overview(waiting, (), 0, (), read_only=True, role=ReturnRole.READER)
    card = cards.signoff_card(replace(summary, reads_here=(reading,)))
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    assert "Return for sign-off" in text
    assert (
        f"You can also read the Police return on {RET.reference}, which its practitioners "
        "write. Where it stands: not started." in text
    )
    reads = [
        (b["title"], b["data"]["return_id"])
        for e in _elements(card["body"])
        if e.get("type") == "ActionSet"
        for b in e["actions"]
        if b.get("verb") == verbs.RETURN_OPEN
    ]
    assert reads == [("Read the Police return", reading.id)]
    assert verbs.SIGNOFF_APPROVE in text
