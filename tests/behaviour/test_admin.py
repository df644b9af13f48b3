"""Partnership set-up over real HTTP: agencies, members, roles, refusals and bad input."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from cards import verbs
from domain.directory import import_members, parse_import
from domain.model import Role
from storage import tables as t
from storage.repositories import SqlUnitOfWork
from tests.support.activities import TENANT, USER_AAD, as_user, invoke, message, submit
from tests.support.core import CoreBot

CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
OTHER_AAD = "11111111-1111-4111-8111-111111111111"
NEW_AAD = "22222222-2222-4222-8222-222222222222"


async def act(bot: CoreBot, verb: str, data: Any = None, user: str | None = None) -> Any:
    """Click a card button (an adaptiveCard/action invoke) and return the response body."""
    body = invoke(bot.connector.url, verb, data)
    if user is not None:
        as_user(body, user)
    status, reply = await bot.post(body)
    assert status == 200
    return reply


async def card(bot: CoreBot, verb: str, data: Any = None) -> dict[str, Any]:
    reply = await act(bot, verb, data)
    assert reply["type"] == CARD, reply
    value: dict[str, Any] = reply["value"]
    return value


def text_of(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)


def attention(value: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock" and node.get("color") == "attention":
                found.append(node["text"])
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return found


def rows(bot: CoreBot, table: type) -> list[Any]:
    with bot.db.session() as session:
        return list(session.scalars(select(table)))


def roles_of(bot: CoreBot, aad: str) -> set[str]:
    with bot.db.session() as session:
        member = session.scalars(select(t.Member).where(col(t.Member.aad_object_id) == aad)).one()
        query = select(t.MemberRole.role).where(col(t.MemberRole.member_id) == member.id)
        return set(session.scalars(query))


def member_row(bot: CoreBot, aad: str) -> t.Member:
    with bot.db.session() as session:
        return session.scalars(select(t.Member).where(col(t.Member.aad_object_id) == aad)).one()


def audits(bot: CoreBot, prefix: str) -> list[t.AuditEvent]:
    return [e for e in rows(bot, t.AuditEvent) if e.action.startswith(prefix)]


async def add_agency(bot: CoreBot, name: str = "Demo Police", sector: str = "police") -> int:
    value = await card(bot, verbs.AGENCY_SAVE, {"name": name, "sector": sector})
    assert f"Agency '{name}' added." in text_of(value)
    (agency,) = [a for a in rows(bot, t.Agency) if a.name == name]
    assert agency.id is not None
    return agency.id


async def add_member(
    bot: CoreBot, aad: str = NEW_AAD, roles: str = "practitioner", agency: str = ""
) -> int:
    data = {"display_name": "Police Practitioner (demo)", "aad_object_id": aad}
    value = await card(bot, verbs.MEMBER_SAVE, {**data, "agency": agency, "roles": roles})
    assert "Member 'Police Practitioner (demo)' added." in text_of(value)
    member_id = member_row(bot, aad).id
    assert member_id is not None
    return member_id


def other_partnership(bot: CoreBot) -> tuple[int, int]:
    """An agency and a member of a different tenant's partnership, for forged ids."""

    def work(uow: SqlUnitOfWork) -> tuple[int, int]:
        partnership = uow.partnerships.create("tenant-elsewhere", "Elsewhere")
        agency = uow.directory.add_agency(partnership.id, "Elsewhere Police", "police")
        member = uow.directory.upsert_member(partnership.id, OTHER_AAD, "Elsewhere (demo)", None)
        return agency.id, member.id

    return bot.db.transaction(work)


async def test_the_admin_opens_agencies_and_members_by_command(bot: CoreBot) -> None:
    await bot.post(message(bot.connector.url, "agencies"))
    assert "No agencies yet" in text_of(bot.connector.cards()[-1])
    await bot.post(message(bot.connector.url, "members"))
    assert "Members" in text_of(bot.connector.cards()[-1])
    assert "Sam Practitioner" in text_of(bot.connector.cards()[-1])
    await bot.post(message(bot.connector.url, "help"))
    help_text = text_of(bot.connector.cards()[-1])
    assert "agencies" in help_text
    assert "members" in help_text


async def test_add_and_edit_an_agency(bot: CoreBot) -> None:
    agency_id = await add_agency(bot)
    (created,) = audits(bot, "agency.created")
    assert created.after == {"name": "Demo Police", "sector": "police"}
    assert created.actor_aad_id == USER_AAD

    form = await card(bot, verbs.AGENCY_FORM, {"agency_id": agency_id})
    assert "Edit Demo Police" in text_of(form)
    value = await card(
        bot,
        verbs.AGENCY_SAVE,
        {"agency_id": agency_id, "name": "Demo Constabulary", "sector": "police"},
    )
    assert "Agency 'Demo Constabulary' updated." in text_of(value)
    (agency,) = rows(bot, t.Agency)
    assert agency.name == "Demo Constabulary"
    (updated,) = audits(bot, "agency.updated")
    assert (updated.before, updated.after) == (
        {"name": "Demo Police"},
        {"name": "Demo Constabulary"},
    )


async def test_duplicate_agency_names_are_refused_ignoring_case(bot: CoreBot) -> None:
    await add_agency(bot)
    value = await card(bot, verbs.AGENCY_SAVE, {"name": "demo POLICE", "sector": "police"})
    assert "already exists" in " ".join(attention(value))
    assert len(rows(bot, t.Agency)) == 1


async def test_choosing_a_lead_sets_their_agency_and_grants_agency_lead(bot: CoreBot) -> None:
    agency_id = await add_agency(bot)
    member_id = await add_member(bot)
    value = await card(
        bot,
        verbs.AGENCY_SAVE,
        {"agency_id": agency_id, "name": "Demo Police", "sector": "police", "lead": str(member_id)},
    )
    assert "is now its safeguarding lead" in text_of(value)
    assert "Safeguarding leads: Police Practitioner (demo)" in text_of(value)
    assert member_row(bot, NEW_AAD).agency_id == agency_id
    assert roles_of(bot, NEW_AAD) == {"practitioner", "agency_lead"}
    granted = [e for e in audits(bot, "member.role_granted") if e.record_id == str(member_id)]
    assert [e.after for e in granted] == [{"role": "agency_lead"}]


async def test_add_a_member_then_grant_and_revoke_roles(bot: CoreBot) -> None:
    agency_id = await add_agency(bot)
    member_id = await add_member(bot, roles="practitioner,manager", agency=str(agency_id))
    assert roles_of(bot, NEW_AAD) == {"practitioner", "manager"}
    (added,) = audits(bot, "member.added")
    assert added.after["roles"] == ["practitioner", "manager"]
    assert added.after["agency_id"] == agency_id

    form = await card(bot, verbs.MEMBER_FORM, {"member_id": member_id, "page": 1})
    assert "Edit Police Practitioner (demo)" in text_of(form)
    value = await card(
        bot,
        verbs.MEMBER_SAVE,
        {
            "member_id": member_id,
            "page": 1,
            "display_name": "Police Practitioner (demo)",
            "agency": str(agency_id),
            "roles": "practitioner,chair",
        },
    )
    assert "roles +chair -manager" in text_of(value)
    assert roles_of(bot, NEW_AAD) == {"practitioner", "chair"}
    assert [e.after for e in audits(bot, "member.role_granted") if e.record_id == str(member_id)]
    (revoked,) = audits(bot, "member.role_revoked")
    assert (revoked.record_id, revoked.before) == (str(member_id), {"role": "manager"})


async def test_a_member_added_by_the_admin_is_linked_when_they_first_talk(
    bot: CoreBot,
) -> None:
    await add_member(bot, aad=OTHER_AAD)
    members_before = bot.count(t.Member)
    await bot.post(as_user(message(bot.connector.url, "my profile"), OTHER_AAD))
    assert bot.count(t.Member) == members_before
    assert member_row(bot, OTHER_AAD).teams_user_id == f"29:{OTHER_AAD}"
    assert "Practitioner" in text_of(bot.connector.cards()[-1])


async def test_an_imported_member_is_linked_when_they_first_talk(bot: CoreBot) -> None:
    parsed = parse_import(f"aad_object_id,display_name,roles\n{OTHER_AAD},LIC Member (demo),lic\n")
    assert parsed.rejected[0].reason == "'roles' has unknown role 'lic'."
    parsed = parse_import(
        f"aad_object_id,display_name,roles\n{OTHER_AAD},LIC Member (demo),lic_member\n"
    )
    bot.db.transaction(lambda uow: import_members(uow, TENANT, parsed))
    await bot.post(as_user(message(bot.connector.url, "help"), OTHER_AAD))
    assert bot.count(t.Member) == 1
    assert "LIC group member" in text_of(bot.connector.cards()[-1])


async def test_member_list_pages_fifteen_at_a_time(bot: CoreBot) -> None:
    def seed(uow: SqlUnitOfWork) -> None:
        partnership = uow.partnerships.create(TENANT, "Demo partnership")
        for n in range(1, 21):
            aad = f"00000000-0000-4000-8000-{n:012d}"
            uow.directory.upsert_member(partnership.id, aad, f"Member {n:02d} (demo)", None)

    bot.db.transaction(seed)
    first = await card(bot, verbs.MEMBERS)
    assert "21 members" in text_of(first)
    titles = [a["title"] for a in first["actions"]]
    assert "Next page" in titles
    assert "Previous page" not in titles
    second = await card(bot, verbs.MEMBERS, {"page": 2})
    assert "Page 2 of 2" in text_of(second)
    assert "Sam Practitioner" in text_of(second)
    assert "Member 20 (demo)" in text_of(second)
    assert "Member 01 (demo)" not in text_of(second)
    beyond = await card(bot, verbs.MEMBERS, {"page": 99})
    assert "Page 2 of 2" in text_of(beyond), "an old card's page clamps to the last"


async def test_a_non_admin_is_refused_and_nothing_changes(bot: CoreBot) -> None:
    agency_id = await add_agency(bot)
    before = len(rows(bot, t.AuditEvent))
    attempts: list[tuple[str, dict[str, Any]]] = [
        (verbs.AGENCIES, {}),
        (verbs.AGENCY_FORM, {}),
        (verbs.AGENCY_SAVE, {"name": "Demo Fire", "sector": "other"}),
        (verbs.AGENCY_SAVE, {"agency_id": agency_id, "name": "Renamed", "sector": "other"}),
        (verbs.MEMBERS, {}),
        (verbs.MEMBER_FORM, {}),
        (
            verbs.MEMBER_SAVE,
            {"display_name": "Me (demo)", "aad_object_id": NEW_AAD, "roles": "admin"},
        ),
    ]
    for verb, data in attempts:
        reply = await act(bot, verb, data, user=OTHER_AAD)
        assert reply["type"] == MESSAGE, verb
        assert "admin can do that" in reply["value"]
    await bot.post(as_user(message(bot.connector.url, "agencies"), OTHER_AAD))
    assert "admin can do that" in text_of(bot.connector.cards()[-1])
    (agency,) = rows(bot, t.Agency)
    assert agency.name == "Demo Police"
    assert roles_of(bot, OTHER_AAD) == set()
    new_events = [e.action for e in rows(bot, t.AuditEvent)[before:]]
    assert set(new_events) <= {"member.created"}, new_events


async def test_forged_ids_from_another_partnership_are_refused(bot: CoreBot) -> None:
    await bot.post(message(bot.connector.url, "help"))
    elsewhere_agency, elsewhere_member = other_partnership(bot)
    before = len(rows(bot, t.AuditEvent))

    for verb, data in [
        (verbs.AGENCY_FORM, {"agency_id": elsewhere_agency}),
        (verbs.AGENCY_SAVE, {"agency_id": elsewhere_agency, "name": "Mine", "sector": "police"}),
        (verbs.MEMBER_FORM, {"member_id": elsewhere_member}),
        (
            verbs.MEMBER_SAVE,
            {"member_id": str(elsewhere_member), "display_name": "Mine", "roles": "admin"},
        ),
    ]:
        reply = await act(bot, verb, data)
        assert reply["type"] == MESSAGE, verb
        assert "isn't in your partnership" in reply["value"]

    own_agency = await add_agency(bot)
    after_add = len(rows(bot, t.AuditEvent))
    lead = await card(
        bot,
        verbs.AGENCY_SAVE,
        {
            "agency_id": own_agency,
            "name": "Demo Police",
            "sector": "police",
            "lead": str(elsewhere_member),
        },
    )
    assert "not a member of this partnership" in " ".join(attention(lead))
    join = await card(
        bot,
        verbs.MEMBER_SAVE,
        {"display_name": "Mine (demo)", "aad_object_id": NEW_AAD, "agency": elsewhere_agency},
    )
    assert "agency chosen is not in this partnership" in " ".join(attention(join))
    assert len(rows(bot, t.AuditEvent)) == after_add
    assert len(rows(bot, t.AuditEvent)) == before + 1, "only the own agency was added"
    elsewhere = member_row(bot, OTHER_AAD)
    assert (elsewhere.display_name, elsewhere.agency_id) == ("Elsewhere (demo)", None)
    assert roles_of(bot, OTHER_AAD) == set()
    assert {a.name for a in rows(bot, t.Agency)} == {"Elsewhere Police", "Demo Police"}


async def test_bad_input_is_shown_on_the_form_and_changes_nothing(bot: CoreBot) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        (verbs.AGENCY_SAVE, {"sector": "police"}, "'Agency name' is required."),
        (verbs.AGENCY_SAVE, {"name": "x" * 10_000, "sector": "police"}, "10,000 characters"),
        (verbs.AGENCY_SAVE, {"name": 123, "sector": ["police"]}, "must be text"),
        (verbs.AGENCY_SAVE, {"name": "Demo Fire", "sector": "fire"}, "one from the list"),
        (verbs.AGENCY_SAVE, {"name": "Demo Fire", "sector": "other", "lead": "x"}, "lead"),
        (verbs.MEMBER_SAVE, {"aad_object_id": NEW_AAD}, "'Display name' is required."),
        (verbs.MEMBER_SAVE, {"display_name": "A", "aad_object_id": "nope"}, "not a GUID"),
        (verbs.MEMBER_SAVE, {"display_name": "A", "aad_object_id": 7}, "must be text"),
        (
            verbs.MEMBER_SAVE,
            {"display_name": "A", "aad_object_id": NEW_AAD, "roles": {"x": 1}},
            "chosen from the list",
        ),
        (
            verbs.MEMBER_SAVE,
            {"display_name": "A", "aad_object_id": NEW_AAD, "roles": "chair,boss"},
            "unknown role 'boss'",
        ),
        (
            verbs.MEMBER_SAVE,
            {"display_name": "A", "aad_object_id": NEW_AAD, "agency": 3.5},
            "agency chosen",
        ),
    ]
    await bot.post(message(bot.connector.url, "help"))
    before = len(rows(bot, t.AuditEvent))
    for verb, data, problem in cases:
        value = await card(bot, verb, {**data, "page": "not a page"})
        assert problem in " ".join(attention(value)), (data, attention(value))
    assert rows(bot, t.Agency) == []
    assert bot.count(t.Member) == 1
    assert len(rows(bot, t.AuditEvent)) == before


async def test_wrongly_typed_ids_are_refused_without_a_crash(bot: CoreBot) -> None:
    for data in ({"agency_id": {"x": 1}}, {"agency_id": True}, {"agency_id": "1; drop"}):
        reply = await act(bot, verbs.AGENCY_FORM, data)
        assert reply["type"] == MESSAGE
        assert "isn't in your partnership" in reply["value"]
    for data in ({"member_id": [1]}, {"member_id": -1}):
        reply = await act(bot, verbs.MEMBER_SAVE, {**data, "display_name": "A"})
        assert "isn't in your partnership" in reply["value"]
    for page in ([2], {"p": 1}, None, "2", -5, 10**30):
        value = await card(bot, verbs.MEMBERS, {"page": page})
        assert "Members" in text_of(value)


async def test_an_aad_id_already_in_the_partnership_cannot_be_added_twice(
    bot: CoreBot,
) -> None:
    value = await card(
        bot,
        verbs.MEMBER_SAVE,
        {"display_name": "Someone (demo)", "aad_object_id": USER_AAD.upper()},
    )
    assert "Sam Practitioner already has that AAD object id" in " ".join(attention(value))
    assert bot.count(t.Member) == 1


async def test_the_last_admin_cannot_revoke_their_own_admin_role(bot: CoreBot) -> None:
    await bot.post(message(bot.connector.url, "help"))
    me = member_row(bot, USER_AAD)
    value = await card(
        bot,
        verbs.MEMBER_SAVE,
        {"member_id": me.id, "display_name": me.display_name, "roles": "chair"},
    )
    assert "only admin" in " ".join(attention(value))
    assert roles_of(bot, USER_AAD) == {Role.ADMIN.value}


async def test_the_action_submit_fallback_reaches_the_same_handlers(bot: CoreBot) -> None:
    status, _ = await bot.post(
        submit(
            bot.connector.url,
            {"verb": verbs.AGENCY_SAVE, "name": "Demo Primary School", "sector": "education"},
        )
    )
    assert status == 201
    assert "Agency 'Demo Primary School' added." in text_of(bot.connector.cards()[-1])
