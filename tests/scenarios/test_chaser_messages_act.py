"""Issue 17's "done when": every message the chaser engine sends can be acted on by the person
who receives it. For each kind in `domain.chase_messages.MESSAGES` (a new kind without a
driver here fails), on both databases: drive the bot until that message is sent, take the
card actually sent to its reader, and press every button on it as that reader, forms filled
with valid values. Each press must be accepted; a card with no button must say, in the table,
why its reader needs none."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from bot.app import CHASERS, SERVICES
from cards import verbs
from domain.chase_messages import MESSAGES, Message
from domain.idempotency import STALE_MESSAGE
from storage import tables as t
from tests.behaviour.test_action_escalated import escalated
from tests.behaviour.test_action_moves import make_lic_members
from tests.scenarios.test_chaser_delivery import digest_due
from tests.support.activities import USER_AAD
from tests.support.chasers import (
    DEPUTY,
    at_next_chase,
    escalate_after_one,
    log_rows,
    own_chats,
    sweep,
    with_deputy,
)
from tests.support.controls import CHAIR_CONTROLS
from tests.support.journey import (
    CARD,
    COLLEAGUE,
    LEAD,
    LIC_CHANNEL,
    PRACTITIONER,
    Journey,
    open_review,
    published,
    register_lic_channel,
    submitted_return,
)

# About 100 journeys (7 min a platform): the messages and the handlers' answers are the edge's
# business on neither platform (each edge's delivery is proved in its own transport tests).
pytestmark = pytest.mark.platforms(
    "botframework", reason="chaser cards and presses are the same above either edge"
)

NOTE = "Spoke to the team; the audit is under way"
LATER = "2099-06-30"
# Where a card may send its reader: Teams itself, and nowhere else.
ALLOWED_HOSTS = frozenset({"teams.microsoft.com"})
# What a refusal says (the error card's titles, and the refusals the issue saw).
REFUSALS = (
    "That didn't work",
    "Something went wrong",
    "Please try again",
    "Only the owner",
    "You can't",
    "isn't one I recognise",
    STALE_MESSAGE,
)

Sent = tuple[dict[str, Any], str]  # the card, and who reads it (their AAD id)
Driver = Callable[[Journey], Awaitable[list[Sent]]]


# --- the people and who got what -------------------------------------------------------------


def deputise(j: Journey) -> None:
    with j.bot.db.session() as session, session.begin():
        deputy = session.scalars(select(t.Member).where(t.Member.aad_object_id == DEPUTY)).one()
        for review in session.scalars(select(t.Review)):
            review.deputy_chair_member_id = deputy.id


def readers(j: Journey) -> dict[str, str]:
    """Conversation id -> the AAD id of the person it is with (the LIC channel: an LIC
    member, COLLEAGUE in these journeys)."""
    with j.bot.db.session() as session:
        found = {
            m.conversation_id: m.aad_object_id
            for m in session.scalars(select(t.Member))
            if m.conversation_id
        }
    return {**found, LIC_CHANNEL: COLLEAGUE}


def received(j: Journey, aad: str, words: str) -> list[dict[str, Any]]:
    """The cards the sweep sent to `aad` (or the LIC channel, for COLLEAGUE) with `words`."""
    who = readers(j)
    return [
        card
        for s in j.bot.connector.sent
        if who.get(s.conversation_id) == aad
        for card in s.cards
        if words in json.dumps(card, ensure_ascii=False)
    ]


def to_channel(j: Journey, words: str) -> list[dict[str, Any]]:
    return [
        card
        for s in j.bot.connector.sent
        if s.conversation_id == LIC_CHANNEL
        for card in s.cards
        if words in json.dumps(card, ensure_ascii=False)
    ]


async def swept(j: Journey) -> None:
    """One sweep, with each person back in their own chat (speaking to the bot records the
    fake's shared conversation as theirs)."""
    own_chats(j)
    j.bot.connector.clear()
    await sweep(j)


def at(j: Journey, moment: Any) -> None:
    assert moment is not None, "it should be scheduled"
    j.bot.app[SERVICES].clock.set(moment + timedelta(minutes=1))


def return_due(j: Journey, return_id: int) -> None:
    with j.bot.db.session() as session:
        at(j, session.get_one(t.PreAnalysisReturn, return_id).next_chase_at)


async def sweep_until(j: Journey, next_chase: Callable[[], None], recipient: str) -> None:
    """Sweeps chaser by chaser until `recipient` (a log audience) is sent a copy."""
    for _ in range(12):
        next_chase()
        before = len(log_rows(j))
        await swept(j)
        if any(r.recipient == recipient for r in log_rows(j)[before:]):
            return
    raise AssertionError(f"{recipient} was never sent a copy")


# --- drivers: one for each kind of message -----------------------------------------------------


async def action_chaser(j: Journey) -> list[Sent]:
    [item] = await published(j)
    at_next_chase(j, item.id)
    await swept(j)
    return [(c, PRACTITIONER) for c in received(j, PRACTITIONER, item.reference)]


async def action_escalated_to_all(j: Journey, channel: bool) -> None:
    """An overdue item, chaser by chaser, until the chair, the deputy and the LIC are copied."""
    await with_deputy(j)
    make_lic_members(j, COLLEAGUE)
    if channel:
        await register_lic_channel(j)
    await escalate_after_one(j)
    [item] = await published(j)
    deputise(j)
    await sweep_until(j, lambda: at_next_chase(j, item.id), "chair")


def action_copy(reader: str, words: str, channel: bool = False) -> Driver:
    async def drive(j: Journey) -> list[Sent]:
        await action_escalated_to_all(j, channel)
        found = to_channel(j, words) if channel else received(j, reader, words)
        return [(c, reader) for c in found]

    return drive


async def chased_after(j: Journey, verb: str, typed: dict[str, str], reader: str) -> list[Sent]:
    """The next chaser after the owner's `verb` (complete: impact; blocked: to the chair)."""
    [item] = await published(j)
    await j.act(verb, {"action_id": item.id, **typed}, PRACTITIONER)
    at_next_chase(j, item.id)
    await swept(j)
    return [(c, reader) for c in received(j, reader, item.reference)]


async def impact_chaser(j: Journey) -> list[Sent]:
    done = {"evidence": "Audit done: 20 referrals."}
    return await chased_after(j, verbs.ACTION_COMPLETE, done, PRACTITIONER)


async def blocked_chaser(j: Journey) -> list[Sent]:
    return await chased_after(j, verbs.ACTION_BLOCKED, {"reason": "No audit tool"}, USER_AAD)


async def escalated_chaser(j: Journey) -> list[Sent]:
    item = await escalated(j)
    at_next_chase(j, item.id)
    await swept(j)
    return [(c, USER_AAD) for c in received(j, USER_AAD, item.reference)]


def undelivered(reader: str) -> Driver:
    async def drive(j: Journey) -> list[Sent]:
        await with_deputy(j)
        [item] = await published(j)
        deputise(j)
        at_next_chase(j, item.id)
        own_chats(j)
        j.bot.connector.clear()
        j.bot.connector.fail_next(403, body={"error": {"code": "ConversationBlockedByUser"}})
        await sweep(j)
        return [(c, reader) for c in received(j, reader, "Reminder not delivered")]

    return drive


async def return_chaser(j: Journey) -> list[Sent]:
    _, return_id = await open_review(j)
    return_due(j, return_id)
    await swept(j)
    return [(c, PRACTITIONER) for c in received(j, PRACTITIONER, "LOS-")]


def return_copy(reader: str) -> Driver:
    async def drive(j: Journey) -> list[Sent]:
        await with_deputy(j)
        await escalate_after_one(j)
        _, return_id = await open_review(j)
        deputise(j)
        await sweep_until(j, lambda: return_due(j, return_id), "chair")
        return [(c, reader) for c in received(j, reader, "LOS-")]

    return drive


async def sign_off_waiting(j: Journey) -> int:
    await with_deputy(j)
    await escalate_after_one(j)
    return_id = await submitted_return(j)
    deputise(j)
    return return_id


async def chased_to(j: Journey, reader: str, return_id: int) -> list[Sent]:
    """What the return's chasers send `reader`: the lead's copy comes with the first sweep
    once the return is due; the chair's needs sweeps, chaser by chaser, until it comes."""
    if reader == LEAD:
        return_due(j, return_id)
        await swept(j)
    else:
        await sweep_until(j, lambda: return_due(j, return_id), "chair")
    return [(c, reader) for c in received(j, reader, "LOS-")]


def sign_off(reader: str) -> Driver:
    async def drive(j: Journey) -> list[Sent]:
        return_id = await sign_off_waiting(j)
        return await chased_to(j, reader, return_id)

    return drive


def nil_confirmation(reader: str) -> Driver:
    async def drive(j: Journey) -> list[Sent]:
        await with_deputy(j)
        await escalate_after_one(j)
        _, return_id = await open_review(j)
        deputise(j)
        await j.card(verbs.RETURN_NIL, {"return_id": return_id, "reason": "No contact."})
        return await chased_to(j, reader, return_id)

    return drive


async def monthly_digest(j: Journey) -> list[Sent]:
    make_lic_members(j, COLLEAGUE)
    await digest_due(j)
    await j.bot.app[CHASERS].digests()
    return [(c, COLLEAGUE) for c in to_channel(j, "")]


DRIVERS: dict[Message, Driver] = {
    Message.RETURN_CHASER: return_chaser,
    Message.RETURN_COPY_LEAD: return_copy(LEAD),
    Message.RETURN_COPY_CHAIR: return_copy(USER_AAD),
    Message.RETURN_COPY_DEPUTY: return_copy(DEPUTY),
    Message.SIGN_OFF_CHASER: sign_off(LEAD),
    Message.SIGN_OFF_COPY_CHAIR: sign_off(USER_AAD),
    Message.SIGN_OFF_COPY_DEPUTY: sign_off(DEPUTY),
    Message.NIL_CHASER: nil_confirmation(LEAD),
    Message.NIL_COPY_CHAIR: nil_confirmation(USER_AAD),
    Message.NIL_COPY_DEPUTY: nil_confirmation(DEPUTY),
    Message.ACTION_CHASER: action_chaser,
    Message.ACTION_COPY_LEAD: action_copy(LEAD, "agency's safeguarding lead"),
    Message.ACTION_COPY_CHAIR: action_copy(USER_AAD, "Escalation"),
    Message.ACTION_COPY_DEPUTY: action_copy(DEPUTY, "Escalation"),
    Message.ACTION_COPY_LIC_CHANNEL: action_copy(COLLEAGUE, "Escalation", channel=True),
    Message.ACTION_COPY_LIC_MEMBER: action_copy(COLLEAGUE, "Escalation"),
    Message.IMPACT_CHASER: impact_chaser,
    Message.BLOCKED_CHASER: blocked_chaser,
    Message.ESCALATED_CHASER: escalated_chaser,
    Message.UNDELIVERED_TO_CHAIR: undelivered(USER_AAD),
    Message.UNDELIVERED_TO_DEPUTY: undelivered(DEPUTY),
    Message.MONTHLY_DIGEST: monthly_digest,
}


def test_every_kind_of_message_has_a_driver() -> None:
    assert set(DRIVERS) == set(Message) == set(MESSAGES)


# --- pressing every button -------------------------------------------------------------------


def buttons(node: Any) -> list[dict[str, Any]]:
    """Every action a reader can press: the card's and its action sets', not those inside a
    ShowCard's form (pressing the ShowCard submits its form)."""
    if isinstance(node, list):
        return [b for child in node for b in buttons(child)]
    if not isinstance(node, dict):
        return []
    if str(node.get("type", "")).startswith("Action."):
        return [node]
    return [b for key, value in node.items() if key != "fallback" for b in buttons(value)]


def inputs(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [i for child in node for i in inputs(child)]
    if not isinstance(node, dict):
        return []
    own = [node] if str(node.get("type", "")).startswith("Input.") else []
    return own + [i for key, v in node.items() if key != "actions" for i in inputs(v)]


def valid_value(field: dict[str, Any]) -> str:
    """A value a careful reader would give the field."""
    kind, name = field["type"], str(field.get("id", ""))
    if kind == "Input.Date":
        return LATER
    if kind == "Input.Toggle":
        return str(field.get("valueOn", "true"))
    if kind == "Input.Number":
        return "1"
    if kind == "Input.ChoiceSet":
        offered = [str(c["value"]) for c in field.get("choices", [])]
        return str(field.get("value") or (offered[0] if offered else COLLEAGUE))
    if "link" in name or "url" in name:
        return ""
    return NOTE


async def press(j: Journey, button: dict[str, Any], aad: str) -> tuple[str, Any]:
    """Press one button as `aad`: (what was pressed, the reply)."""
    kind = button["type"]
    if kind == "Action.OpenUrl":
        return f"open {button['url']}", None
    if kind == "Action.ShowCard":
        form = button["card"]
        [submit] = [b for b in buttons(form.get("actions", [])) if b["type"] == "Action.Execute"]
        values = {str(f["id"]): valid_value(f) for f in inputs(form.get("body", []))}
        data = {**submit.get("data", {}), **values}
        return f"{button.get('title')} -> {submit['verb']}", await j.act(submit["verb"], data, aad)
    assert kind == "Action.Execute", f"a {kind} button: Teams sends it as a message"
    return str(button.get("title")), await j.act(button["verb"], dict(button["data"]), aad)


def refusal(reply: Any) -> str | None:
    text = json.dumps(reply, ensure_ascii=False)
    return next((r for r in REFUSALS if r in text), None) or form_error(reply)


def form_error(reply: Any) -> str | None:
    """A form sent back with a problem under a field (cards.common.error_line)."""
    if not isinstance(reply, dict) or reply.get("type") != CARD:
        return None
    found = [
        e["text"]
        for e in _elements(reply["value"])
        if e.get("type") == "TextBlock"
        and e.get("color") == "Attention"
        and e.get("spacing") == "None"
    ]
    return found[0] if found else None


def _elements(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [e for child in node for e in _elements(child)]
    if not isinstance(node, dict):
        return []
    return [node] + [e for v in node.values() for e in _elements(v)]


# The buttons each reader finds on each message, in order ("Open LOS-" opens the item by its
# reference). Each is pressed on a fresh journey, so no press depends on an earlier one.
BUTTONS: dict[Message, tuple[str, ...]] = {
    Message.RETURN_CHASER: ("Open the return",),
    Message.RETURN_COPY_LEAD: ("Open the return",),
    Message.RETURN_COPY_CHAIR: ("Manage this agency",),
    Message.RETURN_COPY_DEPUTY: ("Manage this agency",),
    Message.SIGN_OFF_CHASER: ("Open the sign-off card",),
    Message.SIGN_OFF_COPY_CHAIR: ("Manage this agency", "Read the return"),
    Message.SIGN_OFF_COPY_DEPUTY: ("Manage this agency", "Read the return"),
    Message.NIL_CHASER: ("Confirm nil return", "We were involved"),
    Message.NIL_COPY_CHAIR: ("Manage this agency",),
    Message.NIL_COPY_DEPUTY: ("Manage this agency",),
    Message.ACTION_CHASER: (
        "Update progress",
        "Mark complete",
        "Ask for a new date",
        "Blocked",
        "My actions",
    ),
    Message.ACTION_COPY_LEAD: (
        "Nudge the owner",
        "Reassign",
        "Propose a new date",
        "Ask the chair to reassign",
        "Open LOS-",
    ),
    Message.ACTION_COPY_CHAIR: (
        "Reassign",
        "Amend",
        "Split in two",
        "Cancel this action item…",
        "Open LOS-",
    ),
    Message.ACTION_COPY_DEPUTY: (
        "Reassign",
        "Amend",
        "Split in two",
        "Cancel this action item…",
        "Open LOS-",
    ),
    Message.ACTION_COPY_LIC_CHANNEL: ("Comment", "Request an update", "Open LOS-"),
    Message.ACTION_COPY_LIC_MEMBER: ("Comment", "Request an update", "Open LOS-"),
    Message.IMPACT_CHASER: ("Add evidence of impact", "My actions"),
    Message.BLOCKED_CHASER: CHAIR_CONTROLS,
    Message.ESCALATED_CHASER: (
        "Set a new date",
        "Not achievable",
        "Reopen",
        "Reassign",
        "Split in two",
        "Review summary",
        "My actions",  # in the card's "…" menu: Teams draws six
    ),
    Message.UNDELIVERED_TO_CHAIR: ("Open the action",),
    Message.UNDELIVERED_TO_DEPUTY: ("Open the action",),
    Message.MONTHLY_DIGEST: (),
}
PRESSES = [(m, i) for m in Message for i in range(max(1, len(BUTTONS[m])))]


def test_every_kind_of_message_has_its_buttons_listed() -> None:
    assert set(BUTTONS) == set(Message)
    for message, spec in MESSAGES.items():
        assert bool(BUTTONS[message]) != bool(spec.no_buttons_because), message


def titles_match(card: list[dict[str, Any]], expected: tuple[str, ...]) -> bool:
    shown = [str(b.get("title", "")) for b in card]
    return len(shown) == len(expected) and all(
        s.startswith(e) for s, e in zip(shown, expected, strict=True)
    )


@pytest.mark.parametrize(("message", "index"), PRESSES, ids=[f"{m.value}-{i}" for m, i in PRESSES])
async def test_every_button_on_every_chaser_message_works_for_its_reader(
    journey_each: Journey, message: Message, index: int
) -> None:
    j = journey_each
    own_chats(j)
    sent = await DRIVERS[message](j)
    assert sent, f"no {message.value} was sent"
    spec = MESSAGES[message]
    card, reader = sent[0]
    pressable = buttons(card.get("actions", [])) + buttons(card.get("body", []))
    assert titles_match(pressable, BUTTONS[message]), [b.get("title") for b in pressable]
    if not pressable:
        assert spec.no_buttons_because, f"{message.value}: a dead end for its reader"
        return
    button = pressable[index]
    if button["type"] == "Action.OpenUrl":
        assert urlparse(button["url"]).hostname in ALLOWED_HOSTS, button["url"]
        return
    pressed, reply = await press(j, button, reader)
    print(message.value, spec.reads.value, "|", pressed, "|", json.dumps(reply)[:300])
    assert refusal(reply) is None, f"{message.value} to {spec.reads.value}: {pressed}: {reply}"
