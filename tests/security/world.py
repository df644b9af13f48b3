"""A partnership built over HTTP as people would build it: agencies, a review, assignments, a
submitted return, one in progress, chronology entries. Every free-text value carries a marker
(`prefix`) so a test can tell whose data reached a reply or a log line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from cards import verbs
from domain.questions import QuestionType, Section, default_question_bank, follow_up_input_id
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support.answers import valid_answers
from tests.support.journey import CARD, Exchange, Person, click, say

BANK = default_question_bank()
DUE, MEETING = "2099-01-15", "2099-02-01"


def marked_answers(section: Section, prefix: str) -> dict[str, str]:
    """Valid answers for a section, with every free-text answer carrying the marker."""
    answers = valid_answers(section)
    for question in section.questions:
        if question.type in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            answers[question.id] = f"{prefix} note on {question.id}"
        if question.type is QuestionType.YES_NO_FOLLOWUP:
            answers[follow_up_input_id(question.id)] = f"{prefix} follow-up on {question.id}"
    return answers


def entry_fields(prefix: str) -> dict[str, str]:
    return {
        "event_date": "2025-03-14",
        "date_certainty": "on",
        "source": f"{prefix} source record",
        "event": f"{prefix} home visit; the child was not seen.",
        "missed_opportunity": "true",
        "missed_opportunity_reason": f"{prefix} no follow-up visit.",
    }


@dataclass
class Partnership:
    """The ids of one partnership's records, read back from the database."""

    id: int = 0
    agencies: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)  # by AAD object id
    reviews: list[int] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    returns: dict[str, int] = field(default_factory=dict)  # by sector
    entries: list[int] = field(default_factory=list)


def ok(result: Exchange) -> Exchange:
    assert result.status in (200, 201), result.body
    if result.status == 200:
        assert result.body.get("type") == CARD, result.body
    return result


async def build(
    bot: BotUnderTest,
    prefix: str,
    chair: Person,
    lead: Person,
    police: Person,
    health: Person,
    *,
    submit: bool = True,
    reviews: int = 1,
) -> Partnership:
    """Chair opens `reviews` reviews for police and health; police completes (and submits)
    its return on the first, health saves a section and a chronology entry."""
    for person in (chair, lead, police, health):
        ok(await say(bot, person, "help"))
    for name, sector in (("Police", "police"), ("Health", "health")):
        ok(
            await click(
                bot, chair, verbs.AGENCY_SAVE, {"name": f"{prefix} {name}", "sector": sector}
            )
        )
    ids = _read(bot, chair.tenant)
    _grant(bot, ids, chair, None, "chair")
    _grant(bot, ids, lead, ids.agencies["police"], "agency_lead")
    _grant(bot, ids, police, ids.agencies["police"], "practitioner")
    _grant(bot, ids, health, ids.agencies["health"], "practitioner")
    agencies = f"{ids.agencies['police']},{ids.agencies['health']}"
    for number in range(reviews):
        ok(
            await click(
                bot,
                chair,
                verbs.REVIEW_CREATE,
                {
                    "pseudonym": f"Child {prefix} {number + 1}",
                    "reason": f"{prefix} concerns held by several agencies.",
                    "agencies": agencies,
                    "returns_due_on": DUE,
                    "meeting_on": MEETING,
                },
            )
        )
    ids = _read(bot, chair.tenant)
    assignees = {
        f"assignees_{ids.agencies['police']}": police.aad,
        f"assignees_{ids.agencies['health']}": health.aad,
    }
    ok(await click(bot, chair, verbs.REVIEW_ASSIGN, {"review_id": ids.reviews[0], **assignees}))
    ids = _read(bot, chair.tenant)
    await _complete(bot, police, ids.returns["police"], prefix, submit=submit)
    health_return = ids.returns["health"]
    first = BANK.sections[0]
    data = {"return_id": health_return, "section": 0, **marked_answers(first, prefix)}
    ok(await click(bot, health, verbs.RETURN_SAVE, data))
    ok(
        await click(
            bot, health, verbs.ENTRY_SAVE, {"return_id": health_return, **entry_fields(prefix)}
        )
    )
    bot.connector.clear()
    return _read(bot, chair.tenant)


async def _complete(
    bot: BotUnderTest, person: Person, return_id: int, prefix: str, *, submit: bool
) -> None:
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index}
        data.update(marked_answers(section, prefix))
        if section.repeatable:
            data["episode"] = 1
        ok(await click(bot, person, verbs.RETURN_NEXT, data))
    ok(await click(bot, person, verbs.ENTRY_SAVE, {"return_id": return_id, **entry_fields(prefix)}))
    if submit:
        result = ok(await click(bot, person, verbs.RETURN_SUBMIT, {"return_id": return_id}))
        assert "Return submitted" in str(result.card)


def _grant(
    bot: BotUnderTest, ids: Partnership, person: Person, agency: int | None, role: str
) -> None:
    with bot.db.session() as session, session.begin():
        member = session.get(t.Member, ids.members[person.aad])
        assert member is not None
        if agency is not None:
            member.agency_id = agency
        session.add(t.MemberRole(member_id=ids.members[person.aad], role=role))


def _read(bot: BotUnderTest, tenant: str) -> Partnership:
    with bot.db.session() as session:
        partnership = session.scalars(
            select(t.Partnership).where(col(t.Partnership.tenant_id) == tenant)
        ).one()
        pid = partnership.id
        assert pid is not None
        found = Partnership(id=pid)
        agencies = session.scalars(select(t.Agency).where(col(t.Agency.partnership_id) == pid))
        found.agencies = {a.sector: int(a.id or 0) for a in agencies}
        members = session.scalars(select(t.Member).where(col(t.Member.partnership_id) == pid))
        found.members = {str(m.aad_object_id): int(m.id or 0) for m in members}
        reviews = list(
            session.scalars(
                select(t.Review)
                .where(col(t.Review.partnership_id) == pid)
                .order_by(col(t.Review.id))
            )
        )
        found.reviews = [int(r.id or 0) for r in reviews]
        found.references = [r.reference for r in reviews]
        if reviews:
            sector_of = {v: k for k, v in found.agencies.items()}
            rows = session.scalars(
                select(t.PreAnalysisReturn).where(
                    col(t.PreAnalysisReturn.review_id) == found.reviews[0]
                )
            )
            found.returns = {sector_of[r.agency_id]: int(r.id or 0) for r in rows}
            entries = session.scalars(
                select(t.ChronologyEntry).where(
                    col(t.ChronologyEntry.return_id).in_(list(found.returns.values()))
                )
            )
            found.entries = [int(e.id or 0) for e in entries]
        return found
