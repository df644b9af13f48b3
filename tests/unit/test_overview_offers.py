"""What a return's overview offers, for every kind of person at every status (walk7): the
Go-to list and the chronology name it "Review and submit" only where the overview card
itself offers Submit, and its title never contradicts its Status line (a chair reading a
submitted return was offered "Review and submit"; a lead read "Return in progress" over
"Status: Not started")."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from cards import returns as cards
from cards import verbs
from cards.validation import card_problems
from domain.chronology import page
from domain.held import Seen
from domain.model import MemberView, ReturnStatus, ReviewStage, Role
from domain.records import ReturnView
from domain.returns import (
    OVERVIEW_PLACE,
    WRITING_ROLES,
    Overview,
    ReturnRole,
    jump_targets,
    overview_heading,
    role_on_return,
    writable,
)
from tests.unit.test_action_state import _nodes
from tests.unit.test_return_roles import AGENCY, BANK, CHAIR, LEAD, RET, WRITER

# Everyone who can open a return's cards, as (member, assignees of the return).
PEOPLE = {
    "assigned practitioner": (
        MemberView(WRITER, 1, None, "Writer", AGENCY, frozenset({Role.PRACTITIONER})),
        frozenset({WRITER}),
    ),
    "lead, practitioners writing": (
        MemberView(LEAD, 1, None, "Lead", AGENCY, frozenset({Role.AGENCY_LEAD})),
        frozenset({WRITER}),
    ),
    "lead, assigned too": (
        MemberView(LEAD, 1, None, "Lead", AGENCY, frozenset({Role.AGENCY_LEAD})),
        frozenset({WRITER, LEAD}),
    ),
    "lead, nobody assigned": (
        MemberView(LEAD, 1, None, "Lead", AGENCY, frozenset({Role.AGENCY_LEAD})),
        frozenset(),
    ),
    "covering lead": (
        replace(
            MemberView(LEAD, 1, None, "Cover", 99, frozenset({Role.AGENCY_LEAD})),
            covered_agency_ids={AGENCY},
        ),
        frozenset({WRITER}),
    ),
    "chair": (
        MemberView(CHAIR, 1, None, "Chair", None, frozenset({Role.CHAIR})),
        frozenset({WRITER}),
    ),
}
STAGES = (ReviewStage.PRE_ANALYSIS, ReviewStage.ANALYSIS, ReviewStage.CANCELLED)


def actions_of(card: dict[str, object]) -> list[tuple[str, str]]:
    """(title, verb) of every Action.Execute on the card, nested action sets included."""
    return [(n["title"], n["verb"]) for n in _nodes(card) if n.get("type") == "Action.Execute"]


# Every kind of person, at every status, at a stage open for returns, past it, or cancelled.
CASES = st.tuples(
    st.sampled_from(sorted(PEOPLE)), st.sampled_from(list(ReturnStatus)), st.sampled_from(STAGES)
)


def case(who: str, status: ReturnStatus, stage: ReviewStage) -> tuple[MemberView, ReturnView]:
    person, assignees = PEOPLE[who]
    return person, replace(RET, status=status, review_stage=stage, assignee_ids=assignees)


@given(CASES)
def test_review_and_submit_is_offered_only_where_submit_is(
    drawn: tuple[str, ReturnStatus, ReviewStage],
) -> None:
    who, status, stage = drawn
    person, ret = case(*drawn)
    role = role_on_return(person, ret)
    read_only = not writable(person, ret)
    summary = Overview(ret, (), 0, (), read_only=read_only, role=role)
    overview = cards.overview_card(summary)
    assert card_problems(overview) == []
    submits = any(verb == verbs.RETURN_SUBMIT for _, verb in actions_of(overview))
    assert submits == (role in WRITING_ROLES) == (not read_only and role in WRITING_ROLES)

    named = dict(jump_targets(BANK, Seen({}), role))[OVERVIEW_PLACE]
    assert (named == "Review and submit") == submits, (who, status, stage, named)
    chronology = cards.chronology_card(ret, page([], 1), 0, read_only=read_only, role=role)
    offered = [title for title, _ in actions_of(chronology)]
    assert ("Review and submit" in offered) == submits, (who, status, stage, offered)
    text = json.dumps(overview)
    assert ("Review and submit" in text) == submits, (who, status, stage)


@given(CASES)
def test_an_overviews_title_agrees_with_its_status_line(
    drawn: tuple[str, ReturnStatus, ReviewStage],
) -> None:
    who, status, _stage = drawn
    person, ret = case(*drawn)
    role = role_on_return(person, ret)
    heading = overview_heading(role, status)
    card = cards.overview_card(Overview(ret, (), 0, (), read_only=True, role=role))
    assert card["body"][1]["text"] == heading.title  # type: ignore[index]
    facts = [f for e in card["body"] if e.get("type") == "FactSet" for f in e["facts"]]  # type: ignore[union-attr, attr-defined]
    assert {"title": "Status", "value": heading.status} in facts
    # A title that says how far the writing is says what the Status line says.
    title, line = heading.title.lower(), heading.status.lower()
    for said, status_says in (
        ("not started", "not started"),
        ("in progress", "in progress"),
        ("sent back", "returned"),
    ):
        if said in title:
            assert line.startswith(status_says), (who, status, heading)
    if status is ReturnStatus.NOT_STARTED:
        assert "in progress" not in title
        assert "being written" not in json.dumps(card)
    if role is ReturnRole.LEAD_READER:
        assert title.startswith("return ")
        assert "submit" not in title
