"""Issue 14: access to a return follows its current assignment, on SQLite and PostgreSQL.

One review with two agencies. The chair replaces Police's practitioner and removes Health from
the review. Then every way of reading or changing a return (its card, the Go-to list, the
chronology, a save, the typed `continue`, the review's summary by card and typed, and its
Word export) is tried by each person, as the table below says: allowed, or refused with
nothing changed. Before the changes, the replaced and the removed could do it all: the table
is about what the changes took away.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cards import verbs
from storage import tables as t
from tests.conftest import BotUnderTest, _running_bot
from tests.support.activities import USER_AAD
from tests.support.answers import valid_answers
from tests.support.audited import snapshot
from tests.support.connector import FakeConnector
from tests.support.journey import BANK, COLLEAGUE, LEAD, OUTSIDER, PRACTITIONER, Journey, journey_on

CARD = "application/vnd.microsoft.card.adaptive"
HEALTH_LEAD = "55555555-5555-4555-8555-555555555555"

# Who is who once the chair has made the changes.
PEOPLE = {
    "chair": USER_AAD,
    "police_lead": LEAD,
    "current": COLLEAGUE,  # Police's practitioner now
    "replaced": PRACTITIONER,  # taken off Police's return
    "removed": OUTSIDER,  # Health's practitioner; Health was removed from the review
    "removed_lead": HEALTH_LEAD,
}


@dataclass
class World:
    j: Journey
    review_id: int
    reference: str
    police: int
    health: int

    def own_return(self, person: str) -> int:
        """The return each person works on (or did): Health's for Health's people."""
        return self.health if person in ("removed", "removed_lead") else self.police


Check = Callable[[World, str], Awaitable[bool]]


async def _card_or_refused(w: World, person: str, verb: str, data: dict[str, Any]) -> bool:
    """True when the verb answered with a card; a refusal must have changed nothing."""
    before = snapshot(w.j.bot.db.engine)
    reply = await w.j.act(verb, data, PEOPLE[person])
    if reply["type"] == CARD:
        return True
    after = snapshot(w.j.bot.db.engine)
    changed = [name for name, rows in after.items() if name != "member" and rows != before[name]]
    assert not changed, (verb, person, changed)
    return False


async def open_return(w: World, person: str) -> bool:
    data = {"return_id": w.own_return(person), "section": 0}
    return await _card_or_refused(w, person, verbs.RETURN_OPEN, data)


async def go_to(w: World, person: str) -> bool:
    data = {"return_id": w.own_return(person), "goto": "s:4"}
    return await _card_or_refused(w, person, verbs.RETURN_OPEN, data)


async def chronology(w: World, person: str) -> bool:
    data = {"return_id": w.own_return(person)}
    return await _card_or_refused(w, person, verbs.CHRONOLOGY, data)


async def save(w: World, person: str) -> bool:
    first = BANK.sections[0]
    data = {"return_id": w.own_return(person), "section": 0, **valid_answers(first)}
    return await _card_or_refused(w, person, verbs.RETURN_SAVE, data)


async def offered_by_continue(w: World, person: str) -> bool:
    w.j.bot.connector.clear()
    await w.j.say("continue", PEOPLE[person])
    shown = json.dumps(w.j.bot.connector.cards())
    return f'"return_id": {w.own_return(person)}' in shown


async def summary_card(w: World, person: str) -> bool:
    return await _card_or_refused(w, person, verbs.SUMMARY, {"review_id": w.review_id})


async def _typed_and_audited(w: World, person: str, text: str, action: str) -> bool:
    """A typed command that reads the review, judged by its audit event (a read is audited)."""
    before = {e.id for e in w.j.rows(t.AuditEvent)}
    await w.j.say(text, PEOPLE[person])
    return any(e.action == action for e in w.j.rows(t.AuditEvent) if e.id not in before)


async def typed_summary(w: World, person: str) -> bool:
    return await _typed_and_audited(w, person, f"summary {w.reference}", "summary.viewed")


async def word_export(w: World, person: str) -> bool:
    return await _typed_and_audited(w, person, f"export {w.reference} docx", "summary.exported")


READ_AND_WRITE = frozenset({"current", "police_lead"})
SUMMARY = READ_AND_WRITE | {"chair"}
WORKERS = ("current", "police_lead", "replaced", "removed", "removed_lead")
EVERYONE = tuple(PEOPLE)


@dataclass(frozen=True)
class Row:
    name: str
    check: Check
    tried: tuple[str, ...]  # who tries it (the chair works on no return in progress)
    allowed: frozenset[str]


MATRIX = (
    Row("open the return", open_return, EVERYONE, READ_AND_WRITE),
    Row("Go to a section", go_to, WORKERS, READ_AND_WRITE),
    Row("the chronology", chronology, WORKERS, READ_AND_WRITE),
    Row("save a section", save, WORKERS, READ_AND_WRITE),
    Row(
        "offered by continue",
        offered_by_continue,
        ("current", "replaced", "removed"),
        frozenset({"current"}),
    ),
    Row("the summary card", summary_card, EVERYONE, SUMMARY),
    Row("summary LOS-…", typed_summary, EVERYONE, SUMMARY),
    Row("export LOS-… docx", word_export, EVERYONE, SUMMARY),
)


@pytest.fixture
async def bot(
    tmp_path: Path, database_url: str, connector: FakeConnector
) -> AsyncIterator[BotUnderTest]:
    async for running in _running_bot(tmp_path, database_url, connector):
        yield running


@pytest.fixture
async def world(bot: BotUnderTest) -> World:
    j = await journey_on(bot)
    await j.say("help", HEALTH_LEAD)
    with bot.db.session() as session, session.begin():
        health = session.scalars(select(t.Agency).where(t.Agency.name == "Demo Health")).one()
        lead = session.scalars(select(t.Member).where(t.Member.aad_object_id == HEALTH_LEAD)).one()
        lead.agency_id = health.id
        session.add(t.MemberRole(member_id=lead.id, role="agency_lead"))
    agencies = {a.name: a.id for a in j.rows(t.Agency)}
    police, health_id = agencies["Demo Police"], agencies["Demo Health"]
    await j.card(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child K",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": f"{police},{health_id}",
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    review = j.rows(t.Review)[0]
    await j.card(
        verbs.REVIEW_ASSIGN,
        {
            "review_id": review.id,
            f"assignees_{police}": PRACTITIONER,
            f"assignees_{health_id}": OUTSIDER,
        },
    )
    returns = {r.agency_id: r.id for r in j.rows(t.PreAnalysisReturn)}
    w = World(j, int(review.id), review.reference, returns[police], returns[health_id])
    # Before the changes, the practitioners about to lose their returns could work on them.
    for person in ("replaced", "removed"):
        assert await open_return(w, person), person
        assert await save(w, person), person
        assert await summary_card(w, person), person
    assert await open_return(w, "removed_lead")
    await j.card(
        verbs.RETURN_REASSIGN,
        {"return_id": w.police, "assignees": COLLEAGUE, "replace": "true"},
    )
    await j.card(
        verbs.REVIEW_REMOVE_AGENCY,
        {"return_id": w.health, "reason": "Health had no part in this after all."},
    )
    return w


async def test_access_to_a_return_follows_its_current_assignment(world: World) -> None:
    wrong = {}
    for row in MATRIX:
        for person in row.tried:
            got = await row.check(world, person)
            if got is not (person in row.allowed):
                wrong[(row.name, person)] = "allowed" if got else "refused"
    assert not wrong, wrong
