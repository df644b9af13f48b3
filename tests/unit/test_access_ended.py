"""Ending a member's access: the rule (domain/directory.py end_access, restore_access), what
roles count for while it lasts, the card, and the one sender sending nothing to them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, cast

import pytest

from bot.channel import Courier
from bot.outbound import Outbound
from cards import admin, verbs
from cards.common import OPENS_BESIDE, card_nodes
from cards.validation import card_problems
from domain.directory import AccessChange, MemberForm, end_access, restore_access
from domain.errors import FormInvalid, NotPermitted
from domain.members import ended_choice
from domain.model import Actor, MemberView, Role
from domain.records import Recipient
from domain.repositories import DirectoryMember, Holding, HoldingKind, UnitOfWork
from storage.database import Database

AAD = "00000000-0000-4000-8000-000000000001"
ADMIN = MemberView(1, 7, AAD, "Admin (demo)", None, frozenset({Role.ADMIN}))
LEAVER = DirectoryMember(
    2, "00000000-0000-4000-8000-000000000002", "Leaver (demo)", None, 3, "Demo Police",
    frozenset({Role.PRACTITIONER, Role.AGENCY_LEAD}), True,
)  # fmt: skip
HELD = (
    Holding(HoldingKind.WRITES, "LOS-2026-001", "Demo Police", "in_progress", 4, 11),
    Holding(HoldingKind.OWNS, "LOS-2026-001/A1", "Share the plan weekly.", "open", 4, 21),
    Holding(HoldingKind.OWNS, "LOS-2026-003/A2", "Audit the referrals.", "open", 6, 22),
)


@dataclass
class FakeDirectory:
    members: dict[int, DirectoryMember]
    changed: list[tuple[int, bool]] = field(default_factory=list)

    def member(self, partnership_id: int, member_id: int) -> DirectoryMember | None:
        return self.members.get(member_id) if partnership_id == 7 else None

    def set_active(self, partnership_id: int, member_id: int, active: bool) -> bool:
        found = self.members[member_id]
        if found.active == active:
            return False
        self.members[member_id] = replace(found, active=active)
        self.changed.append((member_id, active))
        return True

    def holdings(self, partnership_id: int, member_id: int) -> list[Holding]:
        return list(HELD)


@dataclass
class FakeAudit:
    entries: list[Any] = field(default_factory=list)

    def append(self, entry: Any) -> None:
        self.entries.append(entry)


@dataclass
class FakeUow:
    directory: FakeDirectory
    audit: FakeAudit = field(default_factory=FakeAudit)


def world() -> tuple[FakeUow, UnitOfWork]:
    fake = FakeUow(FakeDirectory({1: replace(LEAVER, id=1), 2: LEAVER}))
    return fake, cast(UnitOfWork, fake)


ACTOR = Actor("tenant", AAD, f"29:{AAD}", "Admin (demo)")


def test_an_admin_ends_access_once_with_a_reason_and_sees_what_they_hold() -> None:
    fake, uow = world()
    change = end_access(uow, ACTOR, ADMIN, {"member_id": "2", "reason": " Left the agency. "})
    assert change.result == "Leaver (demo)'s access ended."
    assert not change.member.active
    assert change.holdings == HELD
    [entry] = fake.audit.entries
    assert (entry.action, entry.after) == (
        "member.access_ended",
        {"active": False, "reason": "Left the agency."},
    )
    again = end_access(uow, ACTOR, ADMIN, {"member_id": 2, "reason": "Left."})
    assert again.result == "Leaver (demo)'s access had already ended."
    assert len(fake.audit.entries) == 1
    assert fake.directory.changed == [(2, False)]
    back = restore_access(uow, ACTOR, ADMIN, {"member_id": 2})
    assert back.result == "Leaver (demo)'s access restored."
    assert back.member.active
    assert [e.action for e in fake.audit.entries][-1] == "member.access_restored"


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("", "is required"),
        ("x" * 501, "the limit is 500"),
        (
            "Kelly Smith, 14 Acacia Road, left.",
            "'Reason for ending access' looks as if it contains a name",
        ),
    ],
)
def test_ending_access_needs_a_reason_without_identifiers(reason: str, problem: str) -> None:
    fake, uow = world()
    with pytest.raises(FormInvalid) as invalid:
        end_access(uow, ACTOR, ADMIN, {"member_id": 2, "reason": reason})
    assert problem in invalid.value.errors["reason"]
    assert fake.directory.changed == []
    assert fake.audit.entries == []


def test_only_an_admin_and_never_their_own() -> None:
    fake, uow = world()
    chair = replace(ADMIN, roles=frozenset({Role.CHAIR}))
    with pytest.raises(NotPermitted):
        end_access(uow, ACTOR, chair, {"member_id": 2, "reason": "Left."})
    with pytest.raises(NotPermitted):
        restore_access(uow, ACTOR, chair, {"member_id": 2})
    with pytest.raises(FormInvalid) as own:
        end_access(uow, ACTOR, ADMIN, {"member_id": 1, "reason": "Left."})
    assert "your own access" in own.value.errors["reason"]
    assert fake.directory.changed == []


def test_an_ended_members_roles_count_for_nothing() -> None:
    ended = replace(ADMIN, active=False)
    assert not ended.has(Role.ADMIN)
    assert ADMIN.has(Role.ADMIN)


def text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def test_the_member_card_offers_end_access_then_lists_what_they_hold() -> None:
    form = MemberForm(LEAVER, ())
    card = admin.member_form_card(form)
    assert card_problems(card) == []
    assert verbs.MEMBER_END_ACCESS in text(card)
    assert "Reason for ending access" in text(card)
    ended = replace(LEAVER, active=False)
    after = admin.member_form_card(
        MemberForm(ended, ()), change=AccessChange("Leaver (demo)'s access ended.", ended, HELD)
    )
    assert card_problems(after) == []
    shown = text(after)
    assert verbs.MEMBER_RESTORE in shown
    assert verbs.MEMBER_END_ACCESS not in shown
    assert "Writes the return: Demo Police (in progress)" in shown
    assert "Owns the action: Share the plan weekly. (open)" in shown
    assert "LOS-2026-001/A1" in shown
    # A button per item, named by it and opening it (walk10: each opened the review's summary).
    opens = [
        (node["title"], node["verb"], {k: v for k, v in node["data"].items() if k != "verb"})
        for node in card_nodes(after)
        if node.get("type") == "Action.Execute" and node["data"].get(OPENS_BESIDE)
    ]
    assert opens == [
        ("Open the Demo Police return", verbs.REVIEW_AGENCY, {"return_id": 11, OPENS_BESIDE: 1}),
        ("Open LOS-2026-001/A1", verbs.ACTION_VIEW, {"action_id": 21, OPENS_BESIDE: 1}),
        ("Open LOS-2026-003/A2", verbs.ACTION_VIEW, {"action_id": 22, OPENS_BESIDE: 1}),
    ], "the member card stays (walk10)"
    assert verbs.SUMMARY not in shown
    nothing = admin.member_form_card(
        MemberForm(ended, ()), change=AccessChange("Leaver (demo)'s access ended.", ended)
    )
    assert "They chair no open review and hold no open returns, sign-offs or action items." in text(
        nothing
    )


class RefusingCourier:
    async def deliver(self, *args: Any) -> None:
        raise AssertionError("nothing is sent to a member whose access ended")


async def test_nothing_proactive_reaches_a_member_whose_access_ended() -> None:
    outbound = Outbound(cast(Courier, RefusingCourier()), cast(Database, None))
    gone = Recipient(2, "Leaver (demo)", AAD, "tenant", None, False, active=False)
    delivery = await outbound.send_card(gone, {"type": "AdaptiveCard", "body": []}, "")
    assert not delivery.delivered
    assert delivery.detail == "access ended"


def test_an_admin_s_access_is_not_ended_until_their_admin_role_is_taken_away() -> None:
    """Two admins ending each other at once would leave nobody to restore either (review):
    an admin's access ends only after their admin role goes, under the last-admin rule."""
    fake, uow = world()
    fake.directory.members[2] = replace(LEAVER, roles=frozenset({Role.ADMIN}))
    with pytest.raises(FormInvalid) as refused:
        end_access(uow, ACTOR, ADMIN, {"member_id": 2, "reason": "Left."})
    assert "untick Partnership admin" in refused.value.errors["reason"]
    assert fake.directory.changed == []


def test_the_card_after_a_restore_says_nothing_of_what_they_hold() -> None:
    """restore_access gives no holdings: the card must not say they hold nothing (review)."""
    back = admin.member_form_card(
        MemberForm(LEAVER, ()), change=AccessChange("Leaver (demo)'s access restored.", LEAVER)
    )
    shown = text(back)
    assert "access restored" in shown
    assert "hold no open returns" not in shown
    assert "Still with them" not in shown


def test_someone_whose_access_ended_is_never_chosen_for_work() -> None:
    assert ended_choice(None) is None
    assert ended_choice(ADMIN) is None
    said = ended_choice(replace(ADMIN, display_name="Leaver (demo)", active=False))
    assert said == "Leaver (demo)'s access to Line of Sight has ended: choose someone else."


def test_the_reason_box_s_identifier_message_names_the_box_and_never_a_pseudonym() -> None:
    """The reason is about a member of staff: "Use the pseudonym only" was the review's words.
    The message names the box as its other problems do, says what was found and what to write
    instead; the card shows it under the box by its label."""
    _, uow = world()
    with pytest.raises(FormInvalid) as invalid:
        end_access(uow, ACTOR, ADMIN, {"member_id": 2, "reason": "Kelly Smith left on Friday."})
    said = invalid.value.errors["reason"]
    assert said.startswith("'Reason for ending access' looks as if it contains a name (")
    assert "pseudonym" not in said.lower()
    assert "kept in the audit trail: say why without naming anyone" in said
    # The example the message (and the box's placeholder) gives passes the guard itself.
    change = end_access(
        uow, ACTOR, ADMIN, {"member_id": 2, "reason": "Left the agency on 30 November."}
    )
    assert change.result == "Leaver (demo)'s access ended."


def refused_as_configured(uow: UnitOfWork) -> str:
    with pytest.raises(FormInvalid) as refused:
        end_access(
            uow,
            ACTOR,
            ADMIN,
            {"member_id": 2, "reason": "Left."},
            configured_admins=frozenset({LEAVER.aad_object_id or ""}),
        )
    return refused.value.errors["reason"]


def test_an_admin_by_the_server_s_settings_can_t_have_their_access_ended() -> None:
    """ADMIN_AAD_IDS grants the admin role whenever they speak: the same rule as an admin,
    refused with why and what to do, nothing changed or audited."""
    fake, uow = world()
    said = refused_as_configured(uow)
    assert "is an admin by the server's settings (ADMIN_AAD_IDS)" in said
    assert "can't be ended here" in said
    assert said.endswith("restart it, then end their access."), "no admin role to untick"
    fake.directory.members[2] = replace(LEAVER, roles=frozenset({Role.ADMIN}))
    assert refused_as_configured(uow).endswith(
        "then untick Partnership admin and end their access."
    )
    fake.directory.members[2] = LEAVER
    assert fake.directory.changed == []
    assert fake.audit.entries == []
    # Someone else named there changes nothing for this member.
    other = frozenset({"00000000-0000-4000-8000-000000000009"})
    change = end_access(uow, ACTOR, ADMIN, {"member_id": 2, "reason": "Left."}, other)
    assert not change.member.active


def test_still_with_them_names_the_reviews_they_chair_and_who_has_the_controls() -> None:
    ended = replace(LEAVER, active=False)
    held = (
        Holding(HoldingKind.CHAIRS, "LOS-2026-002", "Deputy Chair (demo)", "analysis", 5),
        Holding(HoldingKind.CHAIRS, "LOS-2026-003", "", "pre_analysis"),
        Holding(HoldingKind.DEPUTY, "LOS-2026-005", "", "actions_open", 8),
        Holding(HoldingKind.SIGNS_OFF, "LOS-2026-005", "Demo Health", "submitted", 8, 31),
    )
    card = admin.member_form_card(
        MemberForm(ended, ()), change=AccessChange("Leaver (demo)'s access ended.", ended, held)
    )
    assert card_problems(card) == []
    shown = text(card)
    assert "Chairs the review (analysis)" in shown
    assert "its deputy chair, Deputy Chair (demo), has the chair's controls: tell them" in shown
    assert "it has no deputy: an admin can name one (manage LOS-2026-003" in shown
    assert "Deputy chair of the review (actions open)" in shown
    # Each button named by its item and opening it: a chaired review's Manage card (where a
    # deputy is named), a sign-off's agency card (proceed without, or set a lead); none for a
    # review whose id isn't known.
    opens = [
        (node["title"], node["verb"], node["data"].get("review_id") or node["data"]["return_id"])
        for node in card_nodes(card)
        if node.get("type") == "Action.Execute" and node["data"].get(OPENS_BESIDE)
    ]
    assert opens == [
        ("Manage LOS-2026-002", verbs.REVIEW_MANAGE, 5),
        ("Manage LOS-2026-005", verbs.REVIEW_MANAGE, 8),
        ("Open the Demo Health sign-off", verbs.REVIEW_AGENCY, 31),
    ]


def test_an_item_whose_owner_left_says_so_and_offers_its_chair_reassign_first() -> None:
    """The item card named a leaver as Owner as if nothing had changed (leavers2's "Left").
    Storage marks the name in the same read (`storage.tables.shown_name`); the card stays
    pure and, for the chair, leads with why and with Reassign."""
    from cards.actions import action_item_card
    from domain.action_state import Move, Mover, offered_moves
    from domain.actions import card_moves
    from domain.directory import shown_name
    from domain.model import ActionStatus
    from tests.unit.test_action_reasons import _facts
    from tests.unit.test_my_actions import item

    assert shown_name("Health Visitor (demo)", False) == "Health Visitor (demo) (access ended)"
    assert shown_name("Health Visitor (demo)", True) == "Health Visitor (demo)"
    assert shown_name(None, False) is None
    gone = replace(
        item(3), owner_name=shown_name("Health Visitor (demo)", False), owner_access_ended=True
    )
    [(mover, moves)] = card_moves([Mover.CHAIR], gone)
    assert mover is Mover.CHAIR
    assert moves[0] is Move.REASSIGN
    card = action_item_card(gone, None, owner=False, chair=True)
    assert card_problems(card) == []
    assert _facts(card)["Owner"] == "Health Visitor (demo) (access ended)"
    shown = json.dumps(card)
    assert "Its owner's access to Line of Sight has ended" in shown
    assert card["actions"][0]["title"] == "Reassign"
    # Not to a reader who can't reassign it, nor on an item already done.
    assert "access to Line of Sight has ended" not in json.dumps(
        action_item_card(gone, None, owner=False, chair=False)
    )
    closed = replace(gone, status=ActionStatus.CLOSED)
    assert "access to Line of Sight has ended" not in json.dumps(
        action_item_card(closed, None, owner=False, chair=True)
    )
    # An item with its owner here: the chair's moves as before.
    [(_, before)] = card_moves([Mover.CHAIR], item(3))
    assert before == dict(offered_moves([Mover.CHAIR], item(3).status))[Mover.CHAIR]
    assert set(before) == set(moves)
