"""Issue 7, item 3: every command and card verb against every role, no role, and another agency's
member: allowed or refused as the table below says, and a refused call changes nothing.

One partnership is built over HTTP once for the module (SQLite): five reviews at different
stages (a return in progress, one awaiting sign-off, one in analysis with a draft outcome, two
with published action items and a guide), action items open, awaiting a date decision and
awaiting impact, and an export file. Each call is made by one persona against that world; the
database is then compared with the world (who was last seen apart) and restored from a copy, so
every persona meets the same state.

The table is checked against `register_all(Router())`: a new command or verb fails the test
until it has a row here. Every card payload also carries forged identity fields naming the
practitioner (card data is never trusted for who is acting).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.files import SENT_BELOW
from bot.handlers import register_all
from bot.router import Router
from cards import verbs
from domain.questions import default_question_bank
from storage import tables as t
from storage.migrate import upgrade
from tests.conftest import BotUnderTest
from tests.support import journey
from tests.support.activities import TENANT, activity
from tests.support.answers import valid_answers
from tests.support.audited import Snapshot, differences, snapshot
from tests.support.connector import FakeConnector
from tests.support.journey import Journey, Person, draft_key, episode_key, guide_shown
from tests.support.local import local_settings

IN_MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")

BANK = default_question_bank()
EPISODES = next(i for i, s in enumerate(BANK.sections) if s.repeatable)
CARD = "application/vnd.microsoft.card.adaptive"
ERROR_TITLES = {"That didn't work", "Please try again", "Something went wrong on my side"}
CRASH = "Something went wrong on my side"
OK_MESSAGES = {"OK, I haven't sent the file."}


@dataclass(frozen=True)
class Persona:
    key: str
    aad: str
    name: str
    roles: tuple[str, ...]
    agency: str | None

    @property
    def person(self) -> Person:
        """Who Teams says is talking: the persona in their own 1:1 chat."""
        return Person(TENANT, self.aad, self.name)


PERSONAS = (
    Persona("admin", "a1000000-0000-4000-8000-000000000001", "Matrix Admin", ("admin",), None),
    Persona("chair", "a1000000-0000-4000-8000-000000000002", "Matrix Chair", ("chair",), None),
    Persona("other_chair", "a1000000-0000-4000-8000-000000000003", "Other Chair", ("chair",), None),
    Persona(
        "agency_lead",
        "a1000000-0000-4000-8000-000000000004",
        "Police Lead",
        ("agency_lead",),
        "police",
    ),
    Persona(
        "practitioner",
        "a1000000-0000-4000-8000-000000000005",
        "Police Practitioner",
        ("practitioner",),
        "police",
    ),
    Persona(
        "lic_member", "a1000000-0000-4000-8000-000000000006", "LIC Member", ("lic_member",), None
    ),
    Persona(
        "manager", "a1000000-0000-4000-8000-000000000007", "Police Manager", ("manager",), "police"
    ),
    Persona("no_role", "a1000000-0000-4000-8000-000000000008", "No Role", (), None),
    Persona(
        "other_agency",
        "a1000000-0000-4000-8000-000000000009",
        "Health Practitioner",
        ("practitioner",),
        "health",
    ),
)
BY_KEY = {p.key: p for p in PERSONAS}
ALL = frozenset(BY_KEY)
ANY_ROLE = ALL - {"no_role"}
ADMIN = frozenset({"admin"})
CHAIRS = frozenset({"admin", "chair", "other_chair"})
THE_CHAIR = frozenset({"admin", "chair"})
RETURN_WRITERS = frozenset({"practitioner", "agency_lead"})
SUMMARY_READERS = ANY_ROLE - {"other_agency"}
# The board report: anyone whose view is wider than their own items (partnership or agency).
REPORT_READERS = ANY_ROLE - {"practitioner", "other_agency"}
PICKED = "a1000000-0000-4000-8000-00000000000a"  # chosen in a people picker, never seen
NEWCOMER = "a1000000-0000-4000-8000-00000000000b"


@dataclass
class World:
    bot: BotUnderTest
    live: Path
    template: Path
    base: Snapshot = field(default_factory=dict)
    agencies: dict[str, int] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)
    reviews: list[int] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    returns: dict[str, int] = field(default_factory=dict)
    entry: int = 0
    actions: list[int] = field(default_factory=list)
    date_request: int = 0  # the request waiting on actions[1]
    token: str = ""

    def review(self, number: int) -> int:
        return self.reviews[number - 1]

    def reference(self, number: int) -> str:
        return self.references[number - 1]


# --- talking to the bot as a persona (through the one driver, tests/support/journey.py) -------


async def click(world: World, persona: Persona, verb: str, data: dict[str, Any]) -> Any:
    result = await journey.click(world.bot, persona.person, verb, data)
    assert result.status == 200, (verb, persona.key, result.status, result.body)
    return result.body


async def say(world: World, persona: Persona, text: str, *, channel: bool = False) -> int:
    return (await journey.say(world.bot, persona.person, text, channel=channel)).status


async def ok(world: World, persona: str, verb: str, data: dict[str, Any]) -> Any:
    reply = await click(world, BY_KEY[persona], verb, data)
    assert reply.get("type") == CARD, (verb, reply)
    return reply


# --- building the world once -------------------------------------------------------------------


def _rows(world: World, table: type, order: Any) -> list[Any]:
    with world.bot.db.session() as session:
        return list(session.scalars(select(table).order_by(order)))


def _setup_people(world: World) -> None:
    with world.bot.db.session() as session, session.begin():
        partnership = session.scalars(select(t.Partnership)).one()
        police = t.Agency(partnership_id=partnership.id, name="Matrix Police", sector="police")
        health = t.Agency(partnership_id=partnership.id, name="Matrix Health", sector="health")
        session.add_all([police, health])
        session.flush()
        world.agencies = {"police": int(police.id or 0), "health": int(health.id or 0)}
        members = {m.aad_object_id: m for m in session.scalars(select(t.Member))}
        for persona in PERSONAS:
            member = members[persona.aad]
            world.members[persona.key] = int(member.id or 0)
            if persona.agency:
                member.agency_id = world.agencies[persona.agency]
            for role in persona.roles:
                if role != "admin":  # the admin is bootstrapped by ADMIN_AAD_IDS
                    session.add(t.MemberRole(member_id=member.id, role=role))


async def _complete(world: World, return_id: int, submit: bool) -> None:
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        await ok(world, "practitioner", verbs.RETURN_NEXT, data)
    await ok(world, "practitioner", verbs.ENTRY_SAVE, {"return_id": return_id, **ENTRY})
    if submit:
        await ok(world, "practitioner", verbs.RETURN_SUBMIT, {"return_id": return_id})


ENTRY = {
    "event_date": "2025-03-14",
    "source": "school log",
    "event": "Home visit; the child was not seen.",
    "themes": "neglect",
}


def good_action(world: World) -> dict[str, Any]:
    return {
        "description": "Audit 20 attendance referrals against the escalation pathway and "
        "report the findings to the LIC group.",
        "theme": "neglect",
        "owner": BY_KEY["practitioner"].aad,
        "agency_id": str(world.agencies["police"]),
        "due_on": "2099-03-31",
        "success_measure": "90% of referrals escalated within 5 working days.",
    }


async def build_world(world: World) -> None:
    for persona in PERSONAS:
        assert await say(world, persona, "help") == 201
    _setup_people(world)
    police, health = world.agencies["police"], world.agencies["health"]
    for number in range(1, 6):
        agencies = f"{police},{health}" if number == 1 else str(police)
        await ok(
            world,
            "chair",
            verbs.REVIEW_CREATE,
            {
                "pseudonym": f"Child M{number}",
                "reason": "Neglect concerns held by several agencies.",
                "agencies": agencies,
                "returns_due_on": "2099-01-15",
                "meeting_on": "2099-02-01",
            },
        )
    reviews = _rows(world, t.Review, t.Review.id)
    world.reviews = [int(r.id or 0) for r in reviews]
    world.references = [r.reference for r in reviews]
    for number, review_id in enumerate(world.reviews, start=1):
        data = {"review_id": review_id, f"assignees_{police}": BY_KEY["practitioner"].aad}
        if number == 1:
            data[f"assignees_{health}"] = BY_KEY["other_agency"].aad
        await ok(world, "chair", verbs.REVIEW_ASSIGN, data)
    returns = _rows(world, t.PreAnalysisReturn, t.PreAnalysisReturn.id)
    for ret in returns:
        number = world.reviews.index(ret.review_id) + 1
        key = f"r{number}" + ("_health" if ret.agency_id == health else "")
        world.returns[key] = int(ret.id or 0)
    await _complete(world, world.returns["r1"], submit=False)
    world.entry = int(_rows(world, t.ChronologyEntry, t.ChronologyEntry.id)[0].id or 0)
    first = BANK.sections[0]
    await ok(
        world,
        "other_agency",
        verbs.RETURN_SAVE,
        {"return_id": world.returns["r1_health"], "section": 0, **valid_answers(first)},
    )
    for number in (2, 3, 4, 5):
        await _complete(world, world.returns[f"r{number}"], submit=True)
        if number != 2:
            await ok(
                world,
                "agency_lead",
                verbs.SIGNOFF_APPROVE,
                {"return_id": world.returns[f"r{number}"]},
            )
    r3, r4, r5 = world.review(3), world.review(4), world.review(5)
    for _ in range(3):
        await ok(world, "chair", verbs.ACTION_SAVE, {"review_id": r3, **good_action(world)})
    await ok(
        world,
        "chair",
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": r3,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    await ok(world, "chair", verbs.GUIDE, {"review_id": r3})
    await ok(world, "chair", verbs.GUIDE_SUBMIT, {"review_id": r3})
    world.actions = [int(a.id or 0) for a in _rows(world, t.ActionItem, t.ActionItem.id)]
    a2, a3 = world.actions[1], world.actions[2]
    await ok(
        world,
        "practitioner",
        verbs.ACTION_NEW_DATE,
        {"action_id": a2, "reason": "Staff off", "proposed_due_on": "2099-06-30"},
    )
    requests = _rows(world, t.ProgressEntry, t.ProgressEntry.id)
    world.date_request = int(next(p.id for p in requests if p.kind == "date_requested") or 0)
    await ok(world, "practitioner", verbs.ACTION_COMPLETE, {"action_id": a3, "evidence": "Done"})
    await ok(
        world,
        "chair",
        verbs.OUTCOME_SAVE,
        {"review_id": r4, "agreed_themes": "neglect", "learning_needs": "Share sooner"},
    )
    await ok(world, "chair", verbs.ACTION_SAVE, {"review_id": r4, **good_action(world)})
    await ok(world, "chair", verbs.ACTION_SAVE, {"review_id": r5, **good_action(world)})
    await ok(
        world,
        "chair",
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": r5,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    await ok(world, "chair", verbs.GUIDE, {"review_id": r5})
    # R5's item: completed, then escalated by the LIC group, so it waits for the chair.
    r5_item = int(_rows(world, t.ActionItem, t.ActionItem.id)[-1].id or 0)
    done = {"action_id": r5_item, "evidence": "Done"}
    await ok(world, "practitioner", verbs.ACTION_COMPLETE, done)
    escalate = {"action_id": r5_item, **IMPACT, "decision": "escalate"}
    await ok(world, "lic_member", verbs.IMPACT_RECORD, escalate)
    pack = {"review_id": r3, "format": "csv"}
    sent = await click(world, BY_KEY["chair"], verbs.PACK_EXPORT, pack)
    assert str(sent.get("value")).endswith(SENT_BELOW), sent
    [export] = _rows(world, t.ExportFile, t.ExportFile.id)
    world.token = export.token
    world.actions = [int(a.id or 0) for a in _rows(world, t.ActionItem, t.ActionItem.id)]
    await _lifecycle_reviews(world)
    await _published_guide_review(world)
    world.bot.connector.clear()


async def _lifecycle_reviews(world: World) -> None:
    """R6: police's return is a nil return awaiting its lead; R7: cancelled."""
    for number in (6, 7):
        await _police_review(world, number)
    await _assign_police(world, 6)
    nil = {"return_id": world.returns["r6"], "reason": "No contact with the family."}
    await ok(world, "chair", verbs.RETURN_NIL, nil)
    cancel = {"review_id": world.review(7), "reason": "Opened twice by mistake."}
    await ok(world, "chair", verbs.REVIEW_CANCEL, cancel)


async def _police_review(world: World, number: int) -> None:
    """Review R`number`, Demo Police alone, opened by the chair."""
    await ok(
        world,
        "chair",
        verbs.REVIEW_CREATE,
        {
            "pseudonym": f"Child M{number}",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": str(world.agencies["police"]),
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    reviews = _rows(world, t.Review, t.Review.id)
    world.reviews = [int(r.id or 0) for r in reviews]
    world.references = [r.reference for r in reviews]


async def _assign_police(world: World, number: int) -> None:
    review_id = world.review(number)
    police = world.agencies["police"]
    data = {"review_id": review_id, f"assignees_{police}": BY_KEY["practitioner"].aad}
    await ok(world, "chair", verbs.REVIEW_ASSIGN, data)
    returns = _rows(world, t.PreAnalysisReturn, t.PreAnalysisReturn.id)
    world.returns[f"r{number}"] = next(int(r.id or 0) for r in returns if r.review_id == review_id)


async def _published_guide_review(world: World) -> None:
    """R8: its 7-minute guide approved by the LIC group and published (R3's awaits approval,
    R5's is a draft)."""
    await _police_review(world, 8)
    await _assign_police(world, 8)
    r8 = world.review(8)
    await _complete(world, world.returns["r8"], submit=True)
    await ok(world, "agency_lead", verbs.SIGNOFF_APPROVE, {"return_id": world.returns["r8"]})
    await ok(world, "chair", verbs.ACTION_SAVE, {"review_id": r8, **good_action(world)})
    await ok(
        world,
        "chair",
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": r8,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    await ok(world, "chair", verbs.GUIDE, {"review_id": r8})
    await ok(world, "chair", verbs.GUIDE_SUBMIT, {"review_id": r8})
    await ok(world, "lic_member", verbs.GUIDE_APPROVE, guide_shown(world.bot, r8))


def copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy, even into a file the bot has open."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory, platform: str) -> AsyncIterator[World]:
    folder = tmp_path_factory.mktemp("matrix")
    live, template = folder / "lineofsight.db", folder / "template.db"
    url = f"sqlite:///{live}"
    connector = FakeConnector()
    connector.server = TestServer(connector.app(), host="127.0.0.1")
    await connector.server.start_server()
    upgrade(url)
    settings = local_settings(folder, url, ADMIN_AAD_IDS=BY_KEY["admin"].aad, BOT_PLATFORM=platform)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    async with ClientSession() as http:
        built = World(BotUnderTest(server, http, connector), live, template)
        await build_world(built)
        copy_database(live, template)
        built.base = snapshot(built.bot.db.engine)
        yield built
    await server.close()
    await connector.server.close()
    assert not connector.card_problems, connector.card_problems


# --- the table ---------------------------------------------------------------------------------

Payload = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    allowed: frozenset[str]
    payload: Payload = lambda w: {}
    channel: bool = False  # commands typed in a team channel


def section(w: World, number: int, **extra: Any) -> dict[str, Any]:
    return {
        "return_id": w.returns["r1"],
        "section": number,
        "revs": {q.id: 99 for q in BANK.sections[number].questions},
        **valid_answers(BANK.sections[number]),
        **extra,
    }


IMPACT = {"how_much": "20 audited", "how_well": "All in time", "better_off": "Yes"}
POLICY = {
    "reminder_days_before": "3",
    "overdue_every": "2",
    "escalate_after": "1",
    "work_starts": "08:30",
    "work_ends": "16:00",
}

VERBS: dict[str, Case] = {
    verbs.HELP: Case(ALL),
    verbs.PROFILE: Case(ALL),
    # a "did you mean" button runs its command as typed, a read-only one only: who may is the
    # command's own rule
    verbs.RUN_COMMAND: Case(ANY_ROLE, lambda w: {"command": "dashboard"}),
    # partnership set-up
    verbs.AGENCIES: Case(ADMIN),
    verbs.AGENCY_FORM: Case(ADMIN, lambda w: {"agency_id": w.agencies["police"]}),
    verbs.AGENCY_SAVE: Case(ADMIN, lambda w: {"name": "Matrix Probation", "sector": "probation"}),
    verbs.MEMBERS: Case(ADMIN),
    verbs.MEMBER_FORM: Case(ADMIN, lambda w: {"member_id": w.members["practitioner"]}),
    verbs.MEMBER_SAVE: Case(
        ADMIN,
        lambda w: {
            "display_name": "Matrix Newcomer",
            "aad_object_id": NEWCOMER,
            "roles": "practitioner",
        },
    ),
    # ending and restoring access: the admin only (the practitioner's, with a reason)
    verbs.MEMBER_END_ACCESS: Case(
        ADMIN, lambda w: {"member_id": w.members["practitioner"], "reason": "Left the agency."}
    ),
    verbs.MEMBER_RESTORE: Case(ADMIN, lambda w: {"member_id": w.members["practitioner"]}),
    # reviews
    verbs.REVIEW_NEW: Case(CHAIRS),
    verbs.REVIEW_CREATE: Case(
        CHAIRS,
        lambda w: {
            "pseudonym": "Child Z",
            "reason": "Concerns.",
            "agencies": str(w.agencies["police"]),
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    ),
    verbs.REVIEW_ASSIGN: Case(
        THE_CHAIR,
        lambda w: {"review_id": w.review(1), f"assignees_{w.agencies['police']}": PICKED},
    ),
    verbs.REVIEWS: Case(ALL),
    # the review's lifecycle controls (R1 in pre-analysis, R2 police only, R6 nil, R7 cancelled)
    verbs.REVIEW_MANAGE: Case(THE_CHAIR, lambda w: {"review_id": w.review(1)}),
    verbs.REVIEW_AGENCY: Case(THE_CHAIR, lambda w: {"return_id": w.returns["r1_health"]}),
    verbs.REVIEW_EDIT: Case(
        THE_CHAIR,
        lambda w: {
            "review_id": w.review(1),
            "pseudonym": "Child M1",
            "reason": "Neglect concerns, edited.",
            "meeting_on": "2099-02-01",
        },
    ),
    verbs.REVIEW_DEPUTY: Case(
        THE_CHAIR, lambda w: {"review_id": w.review(1), "deputy": str(w.members["other_chair"])}
    ),
    verbs.REVIEW_CANCEL: Case(
        THE_CHAIR, lambda w: {"review_id": w.review(1), "reason": "The family moved away."}
    ),
    verbs.REVIEW_REOPEN: Case(
        ADMIN, lambda w: {"review_id": w.review(7), "reason": "Cancelled by mistake."}
    ),
    verbs.REVIEW_ADD_AGENCY: Case(
        THE_CHAIR, lambda w: {"review_id": w.review(2), "agency_id": str(w.agencies["health"])}
    ),
    verbs.REVIEW_REMOVE_AGENCY: Case(
        THE_CHAIR, lambda w: {"return_id": w.returns["r1_health"], "reason": "Not involved."}
    ),
    verbs.RETURN_REASSIGN: Case(
        THE_CHAIR, lambda w: {"return_id": w.returns["r1_health"], "assignees": PICKED}
    ),
    verbs.RETURN_NIL: Case(
        THE_CHAIR, lambda w: {"return_id": w.returns["r1_health"], "reason": "No contact."}
    ),
    verbs.RETURN_EXTEND: Case(
        THE_CHAIR, lambda w: {"return_id": w.returns["r1_health"], "due_on": "2099-03-01"}
    ),
    verbs.RETURN_PROCEED: Case(
        THE_CHAIR, lambda w: {"return_id": w.returns["r1_health"], "reason": "It is late."}
    ),
    verbs.NIL_CONFIRM: Case(frozenset({"agency_lead"}), lambda w: {"return_id": w.returns["r6"]}),
    verbs.NIL_DECLINE: Case(frozenset({"agency_lead"}), lambda w: {"return_id": w.returns["r6"]}),
    # the return in progress (R1, police)
    verbs.RETURN_OPEN: Case(RETURN_WRITERS, lambda w: {"return_id": w.returns["r1"]}),
    verbs.RETURN_BACK: Case(RETURN_WRITERS, lambda w: section(w, 1)),
    verbs.RETURN_SAVE: Case(RETURN_WRITERS, lambda w: section(w, 0, agency_team="Matrix team")),
    verbs.RETURN_NEXT: Case(RETURN_WRITERS, lambda w: section(w, 0)),
    verbs.EPISODE_ADD: Case(RETURN_WRITERS, lambda w: section(w, EPISODES, episode=1)),
    verbs.EPISODE_REMOVE: Case(
        RETURN_WRITERS,
        lambda w: {
            "return_id": w.returns["r1"],
            "section": EPISODES,
            "episode": 1,
            "episode_key": episode_key(Journey(w.bot), w.returns["r1"], 1),
        },
    ),
    verbs.CHRONOLOGY: Case(RETURN_WRITERS, lambda w: {"return_id": w.returns["r1"]}),
    verbs.ENTRY_FORM: Case(
        RETURN_WRITERS, lambda w: {"return_id": w.returns["r1"], "entry_id": w.entry}
    ),
    verbs.ENTRY_SAVE: Case(RETURN_WRITERS, lambda w: {"return_id": w.returns["r1"], **ENTRY}),
    verbs.ENTRY_REMOVE: Case(
        RETURN_WRITERS, lambda w: {"return_id": w.returns["r1"], "entry_id": w.entry}
    ),
    verbs.RETURN_OVERVIEW: Case(RETURN_WRITERS, lambda w: {"return_id": w.returns["r1"]}),
    verbs.RETURN_SUBMIT: Case(RETURN_WRITERS, lambda w: {"return_id": w.returns["r1"]}),
    # sign-off (R2, submitted)
    verbs.SIGNOFF_APPROVE: Case(
        frozenset({"agency_lead"}), lambda w: {"return_id": w.returns["r2"]}
    ),
    verbs.SIGNOFF_RETURN: Case(
        frozenset({"agency_lead"}),
        lambda w: {"return_id": w.returns["r2"], "comments": "Add the school nurse."},
    ),
    verbs.SIGN_OFFS: Case(frozenset({"agency_lead"})),
    verbs.CONTINUE: Case(ALL),
    verbs.SIGNOFF_OPEN: Case(frozenset({"agency_lead"}), lambda w: {"return_id": w.returns["r2"]}),
    # the meeting: pack (R3), outcome (R4, analysis), guide (R5 draft, R3 published)
    verbs.PACK: Case(THE_CHAIR, lambda w: {"review_id": w.review(3)}),
    verbs.PACK_EXPORT: Case(THE_CHAIR, lambda w: {"review_id": w.review(3), "format": "csv"}),
    verbs.OUTCOME: Case(THE_CHAIR, lambda w: {"review_id": w.review(4)}),
    verbs.OUTCOME_SAVE: Case(
        THE_CHAIR,
        lambda w: {
            "review_id": w.review(4),
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner",
        },
    ),
    verbs.OUTCOME_PUBLISH: Case(
        THE_CHAIR, lambda w: {"review_id": w.review(4), "agreed_themes": "neglect"}
    ),
    verbs.ACTION_FORM: Case(THE_CHAIR, lambda w: {"review_id": w.review(4)}),
    verbs.ACTION_SAVE: Case(THE_CHAIR, lambda w: {"review_id": w.review(4), **good_action(w)}),
    verbs.ACTION_REMOVE: Case(
        THE_CHAIR,
        lambda w: {
            "review_id": w.review(4),
            "action_key": draft_key(Journey(w.bot), 0, w.review(4)),
        },
    ),
    # The LIC group reads every review's guide, and approves it (never its own chair alone); a
    # draft (R5's) is seen by no one else.
    verbs.GUIDE: Case(THE_CHAIR | {"lic_member"}, lambda w: {"review_id": w.review(5)}),
    verbs.GUIDE_SAVE: Case(
        THE_CHAIR, lambda w: {"review_id": w.review(5), "part_0": "Child M5, in brief."}
    ),
    verbs.GUIDE_PREVIEW: Case(THE_CHAIR, lambda w: {"review_id": w.review(5)}),
    verbs.GUIDE_SUBMIT: Case(THE_CHAIR, lambda w: {"review_id": w.review(5)}),
    # Approve and send back name the text shown (its revision); the approver says why.
    verbs.GUIDE_APPROVE: Case(frozenset({"lic_member"}), lambda w: guide_shown(w.bot, w.review(3))),
    # The approver sends it back; the chair (or admin) withdraws it to edit.
    verbs.GUIDE_SEND_BACK: Case(
        THE_CHAIR | {"lic_member"},
        lambda w: guide_shown(w.bot, w.review(3), reason="Shorten box 1."),
    ),
    verbs.GUIDE_REVISE: Case(THE_CHAIR, lambda w: {"review_id": w.review(8)}),
    # A published briefing is read (and downloaded) by anyone who may see its review: not the
    # other agency's practitioner, whose agency R8 doesn't involve, nor someone with no role.
    verbs.GUIDE_EXPORT: Case(SUMMARY_READERS, lambda w: {"review_id": w.review(8)}),
    # Its use is recorded by whoever may read it (domain.reviews.may_read_published_briefing):
    # from a 1:1 chat, anyone who may see R8. (Anyone in the partnership channel may, from
    # there: tests/behaviour/test_briefing_usage_access.py.)
    verbs.GUIDE_USAGE_FORM: Case(SUMMARY_READERS, lambda w: {"review_id": w.review(8)}),
    verbs.GUIDE_USAGE_SAVE: Case(
        SUMMARY_READERS,
        lambda w: {
            "review_id": w.review(8),
            "team": "Locality North",
            "used_on": "2026-11-20",
            "staff_count": "12",
        },
    ),
    # action items (R3): A1 open, A2 awaiting a date decision, A3 awaiting impact; R5's
    # item (the last) escalated to the chair
    verbs.ACTION_VIEW: Case(
        # The police lead opens the police item they are copied on when it is late.
        frozenset({"practitioner", "chair", "admin", "lic_member", "agency_lead"}),
        lambda w: {"action_id": w.actions[0]},
    ),
    verbs.ACTION_PROGRESS: Case(
        frozenset({"practitioner"}),
        lambda w: {"action_id": w.actions[0], "note": "Started", "rag": "green"},
    ),
    verbs.ACTION_COMPLETE: Case(
        frozenset({"practitioner"}), lambda w: {"action_id": w.actions[0], "evidence": "Done"}
    ),
    verbs.ACTION_BLOCKED: Case(
        frozenset({"practitioner"}), lambda w: {"action_id": w.actions[0], "reason": "Stuck"}
    ),
    verbs.ACTION_NEW_DATE: Case(
        frozenset({"practitioner"}),
        lambda w: {
            "action_id": w.actions[0],
            "reason": "Staff off",
            "proposed_due_on": "2099-06-30",
        },
    ),
    verbs.DATE_APPROVE: Case(
        THE_CHAIR, lambda w: {"action_id": w.actions[1], "request_id": w.date_request}
    ),
    verbs.DATE_DECLINE: Case(
        THE_CHAIR, lambda w: {"action_id": w.actions[1], "request_id": w.date_request}
    ),
    verbs.IMPACT_RECORD: Case(
        frozenset({"lic_member"}),
        lambda w: {"action_id": w.actions[2], **IMPACT, "decision": "close"},
    ),
    verbs.POLICY: Case(ADMIN),
    # the chair's decisions on R5's escalated item
    verbs.ACTION_SET_DATE: Case(
        THE_CHAIR,
        lambda w: {"action_id": w.actions[-1], "due_on": "2099-09-30", "reason": "Re-audit"},
    ),
    verbs.ACTION_NOT_ACHIEVABLE: Case(
        THE_CHAIR, lambda w: {"action_id": w.actions[-1], "reason": "Service ended"}
    ),
    verbs.ACTION_REOPEN: Case(
        THE_CHAIR, lambda w: {"action_id": w.actions[-1], "reason": "Audit again"}
    ),
    # readers' own moves on R3's open police item A1: its agency's lead, and the LIC group
    verbs.ACTION_NUDGE: Case(
        frozenset({"agency_lead"}), lambda w: {"action_id": w.actions[0], "note": "Any news?"}
    ),
    verbs.ACTION_PROPOSE_DATE: Case(
        frozenset({"agency_lead"}),
        lambda w: {"action_id": w.actions[0], "due_on": "2099-09-30", "note": "Staff off"},
    ),
    verbs.ACTION_ASK_REASSIGN: Case(
        frozenset({"agency_lead"}), lambda w: {"action_id": w.actions[0], "note": "She left"}
    ),
    verbs.ACTION_LEAD_REASSIGN: Case(
        # within the agency: the police lead gives the police item to themself
        frozenset({"agency_lead"}),
        lambda w: {
            "action_id": w.actions[0],
            "owner": BY_KEY["agency_lead"].aad,
            "reason": "I'll take it on",
        },
    ),
    verbs.ACTION_COMMENT: Case(
        frozenset({"lic_member"}), lambda w: {"action_id": w.actions[0], "note": "Good start"}
    ),
    verbs.ACTION_REQUEST_UPDATE: Case(
        frozenset({"lic_member"}), lambda w: {"action_id": w.actions[0], "note": "Where is it?"}
    ),
    # the chair's controls on R3's open item A1
    verbs.ACTION_REASSIGN: Case(
        THE_CHAIR,
        lambda w: {
            "action_id": w.actions[0],
            "owner": BY_KEY["agency_lead"].aad,
            "reason": "Leads the team now",
        },
    ),
    verbs.ACTION_AMEND: Case(
        THE_CHAIR,
        lambda w: {
            "action_id": w.actions[0],
            "new_description": "Audit 30 referrals.",
            "new_due_on": "2099-09-30",
            "reason": "Scope agreed",
        },
    ),
    verbs.ACTION_CANCEL: Case(
        THE_CHAIR, lambda w: {"action_id": w.actions[0], "reason": "Duplicates A2"}
    ),
    verbs.ACTION_SPLIT: Case(
        THE_CHAIR,
        lambda w: {
            "action_id": w.actions[0],
            "a_description": "Audit 20 police referrals.",
            "a_owner": BY_KEY["practitioner"].aad,
            "a_due_on": "2099-06-30",
            "a_measure": "90% escalated in time",
            "b_description": "Train the front desk on the pathway.",
            "b_owner": BY_KEY["agency_lead"].aad,
            "b_due_on": "2099-07-31",
            "b_measure": "Every officer trained",
            "reason": "Two teams",
        },
    ),
    verbs.AWAITING_IMPACT: Case(frozenset({"lic_member", "admin"})),
    # the empty queue's button: the reader's own items, as the command "my actions" shows them
    verbs.MY_ACTIONS: Case(ALL),
    verbs.POLICY_SAVE: Case(ADMIN, lambda w: dict(POLICY)),
    # summaries, the dashboard and exports: scoped by role and agency
    verbs.SUMMARY: Case(SUMMARY_READERS, lambda w: {"review_id": w.review(3)}),
    verbs.DASHBOARD: Case(ANY_ROLE),
    verbs.OVERDUE: Case(ANY_ROLE),
    verbs.EXPORT: Case(SUMMARY_READERS, lambda w: {"review_id": w.review(3), "format": "csv"}),
    verbs.REPORT: Case(REPORT_READERS),
    verbs.REPORT_EXPORT: Case(REPORT_READERS, lambda w: {"format": "docx"}),
    # information governance
    verbs.AUDIT_TRAIL: Case(ADMIN, lambda w: {"review_id": w.review(3)}),
    verbs.AUDIT_EXPORT: Case(ADMIN, lambda w: {"review_id": w.review(3)}),
    verbs.RETENTION: Case(ADMIN),
    verbs.RETENTION_SAVE: Case(
        ADMIN,
        lambda w: {
            "closed_review_months": "60",
            "export_file_days": "14",
            "chaser_log_months": "12",
        },
    ),
    verbs.LEGAL_HOLD: Case(ADMIN, lambda w: {"review_id": w.review(3)}),
    verbs.LEGAL_HOLD_SET: Case(
        ADMIN, lambda w: {"review_id": w.review(3), "hold": "on", "reason": "Civil claim"}
    ),
    # the chair's export offer: only the person it was made for may take it
    verbs.FILE_CONSENT: Case(
        frozenset({"chair"}),
        lambda w: {"type": "fileUpload", "action": "decline", "context": {"token": w.token}},
    ),
}

COMMANDS: dict[str, Case] = {
    "help": Case(ALL),
    "my profile": Case(ALL),
    "reviews": Case(ALL),
    "continue": Case(ALL),
    "my actions": Case(ALL),
    "awaiting impact": Case(frozenset({"lic_member", "admin"})),
    "sign-offs": Case(frozenset({"agency_lead"})),
    "agencies": Case(ADMIN),
    "members": Case(ADMIN),
    "chaser policy": Case(ADMIN),
    "register channel": Case(ADMIN, lambda w: {"text": "register channel lic"}, channel=True),
    "new review": Case(CHAIRS),
    "manage": Case(THE_CHAIR, lambda w: {"text": f"manage {w.reference(1)}"}),
    "assign": Case(THE_CHAIR, lambda w: {"text": f"assign {w.reference(1)}"}),
    "cancel review": Case(
        THE_CHAIR, lambda w: {"text": f"cancel review {w.reference(1)} because it was opened twice"}
    ),
    "reopen review": Case(
        ADMIN, lambda w: {"text": f"reopen review {w.reference(7)} because it was a mistake"}
    ),
    "pack": Case(THE_CHAIR, lambda w: {"text": f"pack {w.reference(3)}"}),
    "outcome": Case(THE_CHAIR, lambda w: {"text": f"outcome {w.reference(4)}"}),
    # R8's briefing is published: anyone who may see R8 opens it read-only. (The guide verb
    # above opens R5's draft: only its chair and the LIC group.)
    "guide": Case(SUMMARY_READERS, lambda w: {"text": f"guide {w.reference(8)}"}),
    "summary": Case(SUMMARY_READERS, lambda w: {"text": f"summary {w.reference(3)}"}),
    "dashboard": Case(ANY_ROLE),
    "report": Case(REPORT_READERS, lambda w: {"text": "report"}),
    "overdue": Case(ANY_ROLE),
    "export": Case(SUMMARY_READERS, lambda w: {"text": f"export {w.reference(3)} csv"}),
    "audit": Case(ADMIN, lambda w: {"text": f"audit {w.reference(3)}"}),
    "retention": Case(ADMIN),
    "legal hold": Case(ADMIN, lambda w: {"text": f"legal hold {w.reference(3)}"}),
}


def forged(w: World) -> dict[str, Any]:
    """Identity claims in card data, naming the practitioner: never believed."""
    aad = BY_KEY["practitioner"].aad
    return {
        "from": {"aadObjectId": aad, "id": f"29:{aad}"},
        "aadObjectId": aad,
        "actor_aad_id": aad,
        "on_behalf_of": aad,
    }


# --- running a case ----------------------------------------------------------------------------


@dataclass
class Outcome:
    persona: str
    allowed: bool
    problems: list[str]


def changed(world: World) -> list[str]:
    """What differs from the world, leaving out who was last seen and the claim on what they
    sent (one effect per click: a delivery record, not a change to anything)."""
    found = differences(world.base, snapshot(world.bot.db.engine), ignore=False)
    return [
        f"{c.table} {c.key} {c.columns}"
        for c in found
        if not (c.table == "member" and c.columns == ("last_seen_at",))
        and c.table != "idempotency_record"
    ]


def restore(world: World) -> None:
    copy_database(world.template, world.live)


async def run_verb(world: World, verb: str, persona: Persona) -> Outcome:
    data = {**VERBS[verb].payload(world), **forged(world)}
    sent_before = len(world.bot.connector.sent)
    if verb == verbs.FILE_CONSENT:
        body = activity(
            "invoke-adaptive-card-action", world.bot.connector.url, value=VERBS[verb].payload(world)
        )
        body["name"] = "fileConsent/invoke"
        result = await journey.exchange(world.bot, persona.person.dress(body))
    else:
        result = await journey.click(world.bot, persona.person, verb, data)
    status, reply = result.status, result.body
    problems: list[str] = []
    if status != 200 or not isinstance(reply, dict):
        return Outcome(persona.key, False, [f"HTTP {status}: {str(reply)[:200]}"])
    value = reply.get("value")
    if CRASH in json.dumps(reply):
        problems.append(f"crashed: {str(value)[:200]}")
    allowed = reply.get("type") == CARD or (
        isinstance(value, str) and (value in OK_MESSAGES or value.endswith(SENT_BELOW))
    )
    return await _settle(world, persona, allowed, sent_before, problems)


async def run_command(world: World, name: str, persona: Persona) -> Outcome:
    case = COMMANDS[name]
    text = case.payload(world).get("text", name)
    sent_before = len(world.bot.connector.sent)
    status = await say(world, persona, text, channel=case.channel)
    if status != 201:
        return Outcome(persona.key, False, [f"HTTP {status}"])
    replies = [s for s in world.bot.connector.sent[sent_before:] if s.cards]
    problems = [] if replies else ["no reply card"]
    titles = {
        str(card["body"][1].get("text"))
        for s in replies
        for card in s.cards
        if len(card.get("body", [])) > 1
    }
    if CRASH in titles:
        problems.append("crashed")
    allowed = bool(replies) and not titles & ERROR_TITLES
    return await _settle(world, persona, allowed, sent_before, problems)


async def _settle(
    world: World, persona: Persona, allowed: bool, sent_before: int, problems: list[str]
) -> Outcome:
    differs = changed(world)
    if not allowed:
        if differs:
            problems.append(f"refused but changed {differs[:4]}")
        others = {
            s.conversation_id
            for s in world.bot.connector.sent[sent_before:]
            if s.conversation_id != f"a:chat-{persona.aad}" and persona.key != "admin"
        }
        if others - {"19:a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2;messageid=1732612000000"}:
            problems.append(f"refused but messaged {sorted(others)}")
    if differs:
        restore(world)
    world.bot.connector.clear()
    return Outcome(persona.key, allowed, problems)


def verdicts(outcomes: list[Outcome], expected: frozenset[str]) -> list[str]:
    found = []
    for outcome in outcomes:
        want = outcome.persona in expected
        if outcome.allowed != want:
            verdict = "allowed" if outcome.allowed else "refused"
            found.append(f"{outcome.persona}: {verdict}, expected the opposite")
        found += [f"{outcome.persona}: {p}" for p in outcome.problems]
    return found


# --- the tests ---------------------------------------------------------------------------------


def test_the_table_covers_every_registered_command_and_verb() -> None:
    router = register_all(Router())
    assert sorted(set(router.verbs) - set(VERBS)) == [], "verbs missing from the matrix"
    assert sorted(set(VERBS) - set(router.verbs)) == [], "verbs in the matrix nobody handles"
    assert sorted(set(router.commands) - set(COMMANDS)) == [], "commands missing"
    assert sorted(set(COMMANDS) - set(router.commands)) == []


def test_no_command_is_allowed_to_someone_help_would_not_offer_it_to() -> None:
    """The help card lists a command for the roles its capability names. Record scoping may
    still refuse someone it lists (a review they are not involved in); but nobody may run a
    command help hides from them."""
    router = register_all(Router())
    for capability in router.capabilities:
        if not capability.roles:
            continue
        listed = {p.key for p in PERSONAS if set(p.roles) & {r.value for r in capability.roles}}
        assert COMMANDS[capability.command].allowed <= listed, capability.command


@IN_MODULE_LOOP
@pytest.mark.parametrize("verb", sorted(VERBS))
async def test_verb(world: World, verb: str) -> None:
    outcomes = [await run_verb(world, verb, persona) for persona in PERSONAS]
    assert verdicts(outcomes, VERBS[verb].allowed) == []


@IN_MODULE_LOOP
@pytest.mark.parametrize("name", sorted(COMMANDS))
async def test_command(world: World, name: str) -> None:
    outcomes = [await run_command(world, name, persona) for persona in PERSONAS]
    assert verdicts(outcomes, COMMANDS[name].allowed) == []


@IN_MODULE_LOOP
async def test_the_control_an_allowed_change_is_seen_and_undone(world: World) -> None:
    practitioner = BY_KEY["practitioner"]
    data = section(world, 0, agency_team="Changed by the control")
    # The card as drawn now: each answer at the revision it holds (a card that drew another
    # is refused as changed since, domain/returns.changed_since_drawn).
    with world.bot.db.engine.connect() as connection:
        held = connection.execute(
            select(t.Answer.question_id, t.Answer.revision).where(
                t.Answer.return_id == world.returns["r1"], t.Answer.episode == 0
            )
        ).all()
    data["revs"] = {str(question): int(revision) for question, revision in held}
    reply = await click(world, practitioner, verbs.RETURN_SAVE, data)
    assert reply["type"] == CARD
    assert any(c.startswith("answer") for c in changed(world)), "the change is visible"
    restore(world)
    assert changed(world) == [], "the restore brings the world back"
