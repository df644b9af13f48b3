"""The chaser helpers both suites share: run the sweep at an item's next chaser time, read the
chaser log, watch (and fail) what the sweep sends, a policy that copies the lead after one
unanswered chaser, and a deputy chair. The behaviour scenarios (tests/behaviour/) and the HTTP
ones (tests/scenarios/) import them from here, never from each other (tests/unit/test_layers.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import CHASERS, SERVICES
from cards import verbs
from storage import tables as t
from tests.support.journey import Journey

DEPUTY = "55555555-5555-4555-8555-555555555555"


def at_next_chase(j: Journey, item_id: int, later: timedelta = timedelta(minutes=1)) -> None:
    with j.bot.db.session() as session:
        moment = session.get_one(t.ActionItem, item_id).next_chase_at
    assert moment is not None, "the item should be scheduled"
    j.bot.app[SERVICES].clock.set(moment + later)


async def sweep(j: Journey) -> dict[str, int]:
    report = await j.bot.app[CHASERS].sweep()
    return report.outcomes


def log_rows(j: Journey) -> list[t.ChaserLog]:
    with j.bot.db.session() as session:
        return list(session.scalars(select(t.ChaserLog).order_by(t.ChaserLog.id)))


async def escalate_after_one(j: Journey) -> None:
    """A policy that chases every working day and copies the lead after one unanswered."""
    await j.act(
        verbs.POLICY_SAVE,
        {
            "reminder_days_before": "1",
            "overdue_every": "1",
            "escalate_after": "1",
            "work_starts": "09:00",
            "work_ends": "17:00",
        },
    )


class Sends:
    """Every card the sweep hands the sender, by member id; `refuse`: members Teams answers
    with `status` (403: they blocked the app), `fail_once`: members whose next send fails,
    `fail_always`: members every send to whom fails (a 503 each time)."""

    def __init__(self, j: Journey, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cards: list[tuple[int, str]] = []
        self.refuse: set[int] = set()
        self.fail_once: set[int] = set()
        self.fail_always: set[int] = set()
        outbound = j.bot.app[SERVICES].outbound
        real = outbound.send_card

        async def send(recipient: Any, card: Any, hint: str, **kwargs: Any) -> Any:
            self.cards.append((recipient.member_id, json.dumps(card, ensure_ascii=False)))
            if recipient.member_id in self.refuse:
                j.bot.connector.fail_next(
                    403, body={"error": {"code": "ConversationBlockedByUser"}}
                )
            elif recipient.member_id in self.fail_always:
                j.bot.connector.fail_next(503)
            elif recipient.member_id in self.fail_once:
                self.fail_once.discard(recipient.member_id)
                j.bot.connector.fail_next(503)
            return await real(recipient, card, hint, **kwargs)

        monkeypatch.setattr(outbound, "send_card", send)

    def to(self, member_id: int, containing: str = "") -> list[str]:
        return [card for m, card in self.cards if m == member_id and containing in card]


async def with_deputy(j: Journey) -> None:
    """A second chair, who talked to the bot, as the next review's deputy (set on creation)."""
    await j.say("help", DEPUTY)
    with j.bot.db.session() as session, session.begin():
        deputy = session.scalars(select(t.Member).where(t.Member.aad_object_id == DEPUTY)).one()
        session.add(t.MemberRole(member_id=deputy.id, role="chair"))
    own_chats(j)


def own_chats(j: Journey) -> None:
    """Each person in their own chat with the bot (the fake's activities all share one), so
    what the sweep sends can be told apart by who it went to."""
    with j.bot.db.session() as session, session.begin():
        for member in session.scalars(select(t.Member)):
            member.conversation_id = f"a:chat-{member.aad_object_id}"
