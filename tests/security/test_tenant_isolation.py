"""Issue 7, item 2: two partnerships (two tenants) share one database and never see each other.

Partnership A ("Alpha") is built over HTTP with a submitted return, a return in progress,
answers and chronology entries. Then B's most powerful member (admin, chair, agency lead and
practitioner at once) drives every registered command and card verb, both as a Universal
Action and as an Action.Submit, with A's ids: review, return, entry, agency and member ids.
Nothing of A may come back (every A text carries "Alpha"), and every row that changes must
belong to B (found by following foreign keys to the partnership, so new tables are covered).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import SERVICES
from cards import verbs
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.security.support import Change, Owners, changes, running_bot, settings_for, snapshot
from tests.security.world import (
    BANK,
    DUE,
    MEETING,
    Partnership,
    build,
    entry_fields,
    marked_answers,
)
from tests.support.activities import activity, invoke, message
from tests.support.connector import FakeConnector
from tests.support.journey import Exchange, Person, click, exchange, say, submit_card

TENANT_A = "a1a1a1a1-0000-4000-8000-00000000000a"
TENANT_B = "b2b2b2b2-0000-4000-8000-00000000000b"
OUTSIDE = "c3c3c3c3-0000-4000-8000-00000000000c"

A_CHAIR = Person(TENANT_A, "a0000000-0000-4000-8000-000000000001", "Alpha Chair")
A_LEAD = Person(TENANT_A, "a0000000-0000-4000-8000-000000000002", "Alpha Lead")
A_POLICE = Person(TENANT_A, "a0000000-0000-4000-8000-000000000003", "Alpha Officer")
A_HEALTH = Person(TENANT_A, "a0000000-0000-4000-8000-000000000004", "Alpha Nurse")
B_BOSS = Person(TENANT_B, "b0000000-0000-4000-8000-000000000001", "Bravo Boss")
B_LEAD = Person(TENANT_B, "b0000000-0000-4000-8000-000000000002", "Bravo Lead")
B_POLICE = Person(TENANT_B, "b0000000-0000-4000-8000-000000000003", "Bravo Officer")
B_HEALTH = Person(TENANT_B, "b0000000-0000-4000-8000-000000000004", "Bravo Nurse")

EPISODES = next(i for i, s in enumerate(BANK.sections) if s.repeatable)


class World:
    def __init__(self, bot: BotUnderTest, alpha: Partnership, bravo: Partnership) -> None:
        self.bot = bot
        self.alpha = alpha
        self.bravo = bravo
        self.owners = Owners(bot.db.engine)


@pytest.fixture
async def world(tmp_path: Path, sqlite_url: str, connector: FakeConnector, platform: str) -> Any:
    settings = settings_for(
        tmp_path,
        sqlite_url,
        ALLOWED_TENANT_IDS=f"{TENANT_A},{TENANT_B}",
        ADMIN_AAD_IDS=f"{A_CHAIR.aad},{B_BOSS.aad}",
        BOT_PLATFORM=platform,
    )
    async with running_bot(settings, sqlite_url, connector) as bot:
        alpha = await build(bot, "Alpha", A_CHAIR, A_LEAD, A_POLICE, A_HEALTH, reviews=2)
        bravo = await build(bot, "Bravo", B_BOSS, B_LEAD, B_POLICE, B_HEALTH, submit=False)
        # B's attacker holds every role, in B's police agency.
        with bot.db.session() as session, session.begin():
            boss = session.get(t.Member, bravo.members[B_BOSS.aad])
            assert boss is not None
            boss.agency_id = bravo.agencies["police"]
            for role in ("agency_lead", "practitioner", "manager", "lic_member"):
                session.add(t.MemberRole(member_id=bravo.members[B_BOSS.aad], role=role))
        connector.clear()
        yield World(bot, alpha, bravo)


# --- what B sends: A's ids in every field that carries one ------------------------------------


def attacks(a: Partnership, b: Partnership) -> dict[str, list[dict[str, Any]]]:
    """Card data per verb, each naming records of A (alone, or mixed with B's own ids)."""
    police_a, health_a = a.returns["police"], a.returns["health"]
    mine = b.returns["police"]
    entry_a = a.entries[0]
    member_a = a.members[A_POLICE.aad]
    agency_a = a.agencies["police"]
    answers = marked_answers(BANK.sections[0], "Bravo")
    by_return = [{"return_id": r} for r in (police_a, health_a)]
    return {
        verbs.HELP: [{}],
        verbs.PROFILE: [{"member_id": member_a}],
        verbs.REVIEW_NEW: [{}],
        verbs.REVIEWS: [{}, {"page": 2}],
        verbs.REVIEW_CREATE: [
            {
                "pseudonym": "Child Bravo 9",
                "reason": "Bravo reason.",
                "agencies": f"{agency_a},{a.agencies['health']}",
                "returns_due_on": DUE,
                "meeting_on": MEETING,
            }
        ],
        verbs.REVIEW_ASSIGN: [
            {"review_id": a.reviews[0], f"assignees_{agency_a}": B_POLICE.aad},
            {"review_id": b.reviews[0], f"assignees_{agency_a}": A_POLICE.aad},
        ],
        verbs.RETURN_OPEN: [{**r, "section": 0} for r in by_return],
        verbs.RETURN_BACK: [{**r, "section": 1, **answers} for r in by_return],
        verbs.RETURN_SAVE: [{**r, "section": 0, **answers} for r in by_return],
        verbs.RETURN_NEXT: [{**r, "section": 0, **answers} for r in by_return],
        verbs.EPISODE_ADD: [{**r, "section": EPISODES} for r in by_return],
        verbs.EPISODE_REMOVE: [{**r, "section": EPISODES, "episode": 1} for r in by_return],
        verbs.CHRONOLOGY: by_return,
        verbs.ENTRY_FORM: [
            {"return_id": health_a, "entry_id": entry_a},
            {"return_id": mine, "entry_id": entry_a},
        ],
        verbs.ENTRY_SAVE: [
            {"return_id": health_a, **entry_fields("Bravo")},
            {"return_id": health_a, "entry_id": entry_a, **entry_fields("Bravo")},
            {"return_id": mine, "entry_id": entry_a, **entry_fields("Bravo")},
        ],
        verbs.ENTRY_REMOVE: [
            {"return_id": health_a, "entry_id": entry_a},
            {"return_id": mine, "entry_id": entry_a},
        ],
        verbs.RETURN_OVERVIEW: by_return,
        verbs.RETURN_SUBMIT: by_return,
        verbs.SIGNOFF_APPROVE: by_return,
        verbs.SIGNOFF_OPEN: by_return,
        verbs.SIGNOFF_RETURN: [{**r, "comments": "Bravo wants changes."} for r in by_return],
        verbs.AGENCIES: [{}, {"page": 2}],
        verbs.AGENCY_FORM: [{"agency_id": agency_a}, {"agency_id": str(agency_a)}],
        verbs.AGENCY_SAVE: [
            {"agency_id": agency_a, "name": "Bravo Renamed", "sector": "police"},
            {"name": "Bravo Probation", "sector": "probation", "lead": member_a},
        ],
        verbs.MEMBERS: [{}, {"page": 2}],
        verbs.MEMBER_FORM: [{"member_id": member_a}, {"member_id": str(member_a)}],
        verbs.MEMBER_SAVE: [
            {"member_id": member_a, "display_name": "Bravo Renamed", "roles": "admin"},
            {
                "member_id": b.members[B_POLICE.aad],
                "display_name": "Bravo Officer",
                "agency": agency_a,
                "roles": "practitioner",
            },
        ],
    }


def every_id_of(a: Partnership) -> dict[str, Any]:
    """For verbs without a specific payload (and as a sweep for all): A's ids under every key
    a handler might read."""
    return {
        "review_id": a.reviews[-1],
        "return_id": a.returns["health"],
        "entry_id": a.entries[0],
        "agency_id": a.agencies["police"],
        "member_id": a.members[A_POLICE.aad],
        "reference": a.references[-1],
        "review": a.references[-1],
        "id": a.reviews[-1],
        "action_id": 1,
        "item_id": 1,
        "outcome_id": 1,
        "guide_id": 1,
        "section": 0,
        "episode": 1,
        "page": 1,
    }


# --- checks ----------------------------------------------------------------------------------


def foreign_rows(world: World, found: list[Change]) -> list[Change]:
    """Changes to rows that are not B's alone."""
    return [c for c in found if world.owners.of(c) != {world.bravo.id}]


def check(world: World, label: str, result: Exchange, problems: list[str]) -> None:
    if result.status not in (200, 201):
        problems.append(f"{label}: HTTP {result.status}")
    if "alpha" in result.everything().lower():
        problems.append(f"{label}: A's data in the reply: {result.everything()[:300]}")
    b_chats = {f"a:chat-{p.aad}" for p in (B_BOSS, B_LEAD, B_POLICE, B_HEALTH)}
    if not set(result.to) <= b_chats:
        problems.append(f"{label}: sent to {sorted(set(result.to) - b_chats)}")
    if TENANT_A in str(result.created):
        problems.append(f"{label}: opened a chat in A's tenant")


async def assert_ids_are_real(world: World) -> None:
    """The control: the same ids, used by A's own people, do open A's records."""
    bot, a = world.bot, world.alpha
    health = a.returns["health"]
    result = await click(bot, A_HEALTH, verbs.CHRONOLOGY, {"return_id": health})
    assert "Alpha home visit" in str(result.card)
    entry = {"return_id": health, "entry_id": a.entries[-1]}
    assert "Alpha source record" in str((await click(bot, A_HEALTH, verbs.ENTRY_FORM, entry)).card)
    member = {"member_id": a.members[A_POLICE.aad]}
    assert "Alpha Officer" in str((await click(bot, A_CHAIR, verbs.MEMBER_FORM, member)).card)
    agency = {"agency_id": a.agencies["police"]}
    assert "Alpha Police" in str((await click(bot, A_CHAIR, verbs.AGENCY_FORM, agency)).card)
    submitted = {"return_id": a.returns["police"]}
    assert "Alpha note" in str((await click(bot, A_LEAD, verbs.RETURN_OVERVIEW, submitted)).card)
    world.bot.connector.clear()


async def test_b_can_reach_nothing_of_a_through_any_verb(world: Any) -> None:
    bot, a, b = world.bot, world.alpha, world.bravo
    await assert_ids_are_real(world)
    router = bot.app[SERVICES].router
    table = attacks(a, b)
    problems: list[str] = []
    driven: set[str] = set()
    for verb in sorted(router.verbs):
        # The last one as a card of A's would carry it, token and all: a click replayed from
        # another tenant is refused like any forged card (its claim is B's own, and empty).
        tokened = {**every_id_of(a), "card_id": "a-card-replayed", "rev": "0"}
        payloads = [*table.get(verb, []), every_id_of(a), tokened]
        for number, data in enumerate(payloads):
            for how in ("invoke", "submit"):
                before = snapshot(bot.db.engine)
                if how == "invoke":
                    result = await click(bot, B_BOSS, verb, copy.deepcopy(data))
                else:
                    result = await submit_card(bot, B_BOSS, {"verb": verb, **copy.deepcopy(data)})
                label = f"{verb}[{number}] by {how}"
                check(world, label, result, problems)
                for change in foreign_rows(world, changes(before, snapshot(bot.db.engine))):
                    problems.append(f"{label}: changed {change.table} {change.key}")
        driven.add(verb)
    assert problems == []
    assert driven == set(router.verbs)
    assert set(table) <= set(router.verbs), "a verb in the table is no longer registered"


def command_texts(a: Partnership, name: str) -> list[str]:
    # A's second review exists only in A: B's own first review has A's first reference too.
    only_a = a.references[-1]
    return [
        name,
        f"{name} {only_a}",
        f"{name} {only_a.lower()}",
        f"{name} {a.reviews[-1]}",
        f"{name} 2",
    ]


async def test_b_can_reach_nothing_of_a_through_any_command(world: Any) -> None:
    bot, a = world.bot, world.alpha
    router = bot.app[SERVICES].router
    assert a.references[-1] not in world.bravo.references
    problems: list[str] = []
    for name in sorted(router.commands):
        for typed in command_texts(a, name):
            before = snapshot(bot.db.engine)
            result = await say(bot, B_BOSS, typed)
            check(world, repr(typed), result, problems)
            if not result.sent:
                problems.append(f"{typed!r}: no answer at all")
            for change in foreign_rows(world, changes(before, snapshot(bot.db.engine))):
                problems.append(f"{typed!r}: changed {change.table} {change.key}")
    assert problems == []


# --- tenants not on the allow-list ------------------------------------------------------------


def outsider_bodies(url: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Activities from outside the allow-list, in every shape the tenant can be claimed."""
    kinds = {
        "message": message(url, "help"),
        "invoke": invoke(url, verbs.PROFILE),
        "install": activity("installation-update-add-personal", url),
        "members added": activity("conversation-update-members-added-personal", url),
    }
    for kind, body in kinds.items():
        yield f"{kind}, outside tenant", _tenant(body, OUTSIDE, OUTSIDE)
    body = kinds["message"]
    yield "no tenant at all", _tenant(copy.deepcopy(body), None, None)
    yield "empty tenant", _tenant(copy.deepcopy(body), "", "")
    yield "tenant id as a number", _tenant(copy.deepcopy(body), 12345, 12345)
    yield "tenant id as an object", _tenant(copy.deepcopy(body), {"id": TENANT_A}, None)
    yield "upper-cased allowed tenant", _tenant(copy.deepcopy(body), TENANT_A.upper(), None)
    yield "allowed tenant with a space", _tenant(copy.deepcopy(body), f" {TENANT_A}", None)
    # channelData is what Teams asserts; an allowed conversation.tenantId beside it is no pass.
    yield (
        "outside channelData, allowed conversation",
        _tenant(copy.deepcopy(body), OUTSIDE, TENANT_A),
    )


def _tenant(body: dict[str, Any], channel: Any, conversation: Any) -> dict[str, Any]:
    body["channelData"] = {} if channel is None else {"tenant": {"id": channel}}
    body["conversation"] = {k: v for k, v in body["conversation"].items() if k != "tenantId"}
    if conversation is not None:
        body["conversation"]["tenantId"] = conversation
    return body


async def test_tenants_off_the_allow_list_get_403_no_reply_and_no_rows(
    tmp_path: Path, sqlite_url: str, connector: FakeConnector, platform: str
) -> None:
    settings = settings_for(
        tmp_path,
        sqlite_url,
        ALLOWED_TENANT_IDS=f"{TENANT_A},{TENANT_B}",
        ADMIN_AAD_IDS=A_CHAIR.aad,
        BOT_PLATFORM=platform,
    )
    async with running_bot(settings, sqlite_url, connector) as bot:
        assert (await say(bot, A_CHAIR, "help")).status == 201  # the allowed tenant gets in
        connector.clear()
        await assert_outsiders_refused(bot)


async def assert_outsiders_refused(bot: BotUnderTest) -> None:
    before = snapshot(bot.db.engine)
    wrong = {}
    for label, body in outsider_bodies(bot.connector.url):
        result = await exchange(bot, body)
        if result.status != 403 or result.sent or result.created or result.body not in ("", None):
            wrong[label] = (result.status, str(result.body)[:100], len(result.sent))
    assert wrong == {}
    assert changes(before, snapshot(bot.db.engine)) == []
