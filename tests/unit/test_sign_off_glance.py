"""The sign-off card's top (`domain.returns.sign_off_glance`), the returns a lead only reads
offered beside a sign-off (`reads_beside`), and the overdue line (`late_notices`): rules
that hold wherever the cards are drawn."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from cards import returns as cards
from cards.validation import card_problems
from domain.model import ReturnStatus, Role
from domain.returns import (
    Overview,
    ReturnRole,
    SectionStatus,
    late_notices,
    reads_beside,
    sign_off_glance,
)
from tests.unit.test_return_roles import AGENCY, LEAD, RET, WRITER, member

LATE_DAY = date(2026, 12, 7)


def test_a_lead_is_offered_what_they_only_read_beside_a_sign_off() -> None:
    lead = member(LEAD, Role.AGENCY_LEAD)
    submitted = replace(RET, id=50, status=ReturnStatus.SUBMITTED)
    writing = replace(RET, id=51)  # its practitioners write it: the lead reads it
    other_agency = replace(RET, id=52, agency_id=AGENCY + 1)
    own = replace(RET, id=53, assignee_ids=frozenset({LEAD}))  # the lead writes it
    beside = [submitted, writing, other_agency, own]
    assert [r.id for r in reads_beside(lead, beside, {submitted.id})] == [51]
    assert reads_beside(member(WRITER, Role.PRACTITIONER), beside) == ()


def test_the_overdue_line_is_a_fact_to_a_lead_and_a_request_to_a_writer() -> None:
    late = replace(RET, due_on=date(2026, 11, 23))
    said = "Overdue: this return was due Mon 23 Nov 2026."
    assert late_notices(member(LEAD, Role.AGENCY_LEAD), late, LATE_DAY) == (said,)
    assert late_notices(member(WRITER, Role.PRACTITIONER), late, LATE_DAY) == (
        f"{said} Please finish it as soon as you can.",
    )
    assert late_notices(member(WRITER, Role.PRACTITIONER), late, date(2026, 11, 23)) == ()
    submitted = replace(late, status=ReturnStatus.SUBMITTED)
    assert late_notices(member(LEAD, Role.AGENCY_LEAD), submitted, LATE_DAY) == ()


def _summary(missing: int, kept: int, unconfirmed: int) -> Overview:
    parts = tuple(
        SectionStatus(
            i,
            f"Part {i}",
            2,
            2,
            ("Q",) if i < missing else (),
            (("What happened", "A home visit"),),
        )
        for i in range(6)
    )
    return Overview(
        replace(RET, status=ReturnStatus.SUBMITTED),
        parts,
        4,
        ("Part 1: Q",) * unconfirmed,
        read_only=True,
        can_sign_off=True,
        jumps=tuple((str(i), f"Part {i}") for i in range(6)),
        kept=("Part 2: Q (a name)",) * kept,
        role=ReturnRole.READER,
    )


def test_the_sign_off_card_says_what_to_decide_and_the_key_facts_first() -> None:
    glance = sign_off_glance(_summary(missing=2, kept=1, unconfirmed=1))
    assert glance.decide.startswith("Approve the Police return for ")
    assert glance.decide.endswith("or return it to its practitioners with comments.")
    assert dict(glance.facts) == {
        "Parts answered": "4 of 6",
        "Chronology": "4 entries",
        "To check first": "2 flagged answers",
    }
    assert "To check first" not in dict(sign_off_glance(_summary(0, 0, 0)).facts)


def test_the_sign_off_card_keeps_each_part_behind_its_show_card() -> None:
    card = cards.signoff_card(_summary(missing=2, kept=1, unconfirmed=1))
    assert card_problems(card) == []
    titles = [a["title"] for a in card["actions"]]
    assert titles[:3] == ["Approve", "Return with comments", "Each part at a glance"]
    body = json.dumps(card["body"])
    assert "A home visit" not in body, "each part's highlights are behind the show-card"
    shown = json.dumps(card["actions"][2])
    assert "A home visit" in shown
    assert "Read this part" in shown
    assert body.index("Approve the Police return") < body.index('"id": "comments"')
