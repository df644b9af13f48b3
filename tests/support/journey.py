"""The one conversation driver for the behaviour tests, and a small partnership to drive.

A `Person` is someone in a tenant as Teams identifies them, talking in a 1:1 chat or a channel;
`say`, `click` and `submit_card` hand what they do to the bot under test and return an
`Exchange`: the answer and everything the turn sent, with the cards read out. The bot is the
app over HTTP on the platform under test (tests/conftest.py `BotUnderTest`, sending through the
fake connector: the edge suites) or the core alone (tests/support/core.py `CoreBot`: the
behaviour scenarios in tests/behaviour/, docs/architecture.md §11). `Journey` is the
same driver for the user stories, by AAD object id, checking each turn succeeded; the security
tests (tests/security/) and the scenarios (tests/scenarios/) drive the bot only through these.
Raw bodies and headers (the edge: tokens, malformed JSON) go through `exchange` and `post_raw`.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.files import SENT_BELOW
from cards import verbs
from cards.common import STALE_NOTICE_ID
from domain.idempotency import REVISION
from domain.meeting import due_notes_for, guide_revision
from domain.outcome import DraftAction, keyed
from domain.questions import default_question_bank
from storage import tables as t
from storage.repositories import SqlUnitOfWork
from tests.conftest import BotUnderTest
from tests.support.activities import TENANT, USER_AAD, activity, as_user, invoke, message, submit
from tests.support.answers import valid_answers
from tests.support.connector import token_problems
from tests.support.core import CoreBot
from tests.support.markdown import as_typed

PRACTITIONER = "11111111-1111-4111-8111-111111111111"
COLLEAGUE = "22222222-2222-4222-8222-222222222222"
LEAD = "33333333-3333-4333-8333-333333333333"
OUTSIDER = "44444444-4444-4444-8444-444444444444"
BANK = default_question_bank()
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
MENTION = "<at>Line of Sight</at>"
LIC_CHANNEL = "19:lic-channel@thread.tacv2"
PARTNERSHIP_CHANNEL = "19:partnership-channel@thread.tacv2"


# --- people and what they do ------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone in a tenant, as Teams identifies them (pseudonymous test identities). With
    `own_chat` they talk in their own 1:1 chat (`a:chat-<aad>`); without, in the sample
    activities' chat."""

    tenant: str
    aad: str
    name: str
    own_chat: bool = True

    def dress(self, body: dict[str, Any]) -> dict[str, Any]:
        """Make an activity come from this person, in their own tenant (and chat)."""
        as_user(body, self.aad, name=self.name)
        body.setdefault("channelData", {})["tenant"] = {"id": self.tenant}
        conversation = body.setdefault("conversation", {})
        conversation["tenantId"] = self.tenant
        if conversation.get("conversationType") == "personal" and self.own_chat:
            conversation["id"] = f"a:chat-{self.aad}"
        return body

    def says(self, service_url: str, text: str, *, channel: bool = False) -> dict[str, Any]:
        """A typed message: in their chat, or @mentioning the bot in a team channel."""
        if channel:
            body = activity("message-channel-mention", service_url, text=f"{MENTION} {text}")
        else:
            body = message(service_url, text)
        return self.dress(body)

    def clicks(self, service_url: str, verb: str, data: Any = None) -> dict[str, Any]:
        """A Universal Action (adaptiveCard/action invoke): a card button."""
        return self.dress(invoke(service_url, verb, data))

    def submits(self, service_url: str, value: Any) -> dict[str, Any]:
        """An Action.Submit: a message with no text whose value is the card's data."""
        return self.dress(submit(service_url, value))


@dataclass
class Exchange:
    """One request and everything it produced: the HTTP answer and what reached the connector."""

    status: int
    body: Any
    sent: list[dict[str, Any]] = field(default_factory=list)
    to: list[str] = field(default_factory=list)  # the conversation of each sent activity
    created: list[dict[str, Any]] = field(default_factory=list)  # new conversations asked for

    def everything(self) -> str:
        return json.dumps([self.body, self.sent, self.created], ensure_ascii=False)

    @property
    def card(self) -> dict[str, Any]:
        """The card an invoke answered with."""
        assert isinstance(self.body, dict), self.body
        assert self.body.get("type") == CARD, self.body
        value: dict[str, Any] = self.body["value"]
        return value

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The cards the turn sent (replies and proactive messages), in order."""
        return [
            a["content"]
            for s in self.sent
            for a in s.get("attachments") or []
            if a.get("contentType") == CARD
        ]

    @property
    def texts(self) -> list[str]:
        return [str(s["text"]) for s in self.sent if s.get("text")]


# The bot a journey drives: the app over HTTP on a platform (the edge suites) or the core alone
# (the behaviour scenarios, tests/behaviour/); the same people, turns and `Exchange` on both.
AnyBot = BotUnderTest | CoreBot


async def exchange(bot: AnyBot, body: Any, headers: dict[str, str] | None = None) -> Exchange:
    """Post any body (dressed or not, with any headers) and collect what the turn produced; on
    the core, the activity goes to `Bot.handle` (headers are the edge's: none reach it)."""
    sent, created = len(bot.connector.sent), len(bot.connector.created)
    if isinstance(bot, CoreBot):
        assert headers is None, "headers are the edge's: drive a BotUnderTest"
        status, reply = await bot.answer(body)
    else:
        status, reply = await post(bot, body, headers)
    new = bot.connector.sent[sent:]
    return Exchange(
        status,
        reply,
        [s.activity for s in new],
        [s.conversation_id for s in new],
        bot.connector.created[created:],
    )


async def post(bot: BotUnderTest, body: Any, headers: dict[str, str] | None = None) -> Any:
    """POST JSON as Teams would."""
    return await post_raw(bot, json.dumps(body).encode(), headers)


async def post_raw(bot: BotUnderTest, raw: bytes, headers: dict[str, str] | None = None) -> Any:
    """POST bytes as they are (from a buffer: aiohttp warns about large raw bodies)."""
    url = bot.server.make_url("/api/messages")
    sending = {"Content-Type": "application/json", **(headers or {})}
    async with bot.http.post(url, data=io.BytesIO(raw), headers=sending) as response:
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def say(bot: AnyBot, person: Person, text: str, *, channel: bool = False) -> Exchange:
    return await exchange(bot, person.says(bot.connector.url, text, channel=channel))


async def click(bot: AnyBot, person: Person, verb: str, data: Any = None) -> Exchange:
    return await exchange(bot, person.clicks(bot.connector.url, verb, data))


async def submit_card(bot: AnyBot, person: Person, value: Any) -> Exchange:
    return await exchange(bot, person.submits(bot.connector.url, value))


# --- the user stories ---------------------------------------------------------------------------


def person(aad: str = USER_AAD, name: str | None = None) -> Person:
    """A journey's person, by AAD object id, in the sample activities' tenant and chat."""
    return Person(TENANT, aad, _name(aad) if name is None else name, own_chat=False)


class Journey:
    """The driver for user stories: people by AAD object id, every turn checked to succeed
    (a message answered 201, a click 200 with a well-formed card, if any)."""

    def __init__(self, bot: AnyBot) -> None:
        self.bot = bot

    async def turn(self, body: dict[str, Any]) -> Exchange:
        """Every turn of a journey passes here (tests/support/audited.py watches it)."""
        return await exchange(self.bot, body)

    async def say(self, text: str, aad: str = USER_AAD, *, channel: bool = False) -> Exchange:
        result = await self.turn(person(aad).says(self.bot.connector.url, text, channel=channel))
        assert result.status == 201, result.body
        return result

    async def act(self, verb: str, data: dict[str, Any], aad: str = USER_AAD) -> Any:
        result = await self.turn(person(aad).clicks(self.bot.connector.url, verb, data))
        reply = result.body
        assert result.status == 200, reply
        if isinstance(reply, dict) and reply.get("type") == CARD:
            assert token_problems(reply["value"]) == []
        return reply

    async def card(self, verb: str, data: dict[str, Any], aad: str = USER_AAD) -> str:
        reply = await self.act(verb, data, aad)
        assert reply["type"] == "application/vnd.microsoft.card.adaptive", reply
        return json.dumps(reply["value"], ensure_ascii=False)

    async def download(self, verb: str, data: dict[str, Any], aad: str = USER_AAD) -> str:
        """A download's file card: it comes as a new message, and the click is answered with
        a message, so the card clicked stays in place (new-user walk L3)."""
        result = await self.turn(person(aad).clicks(self.bot.connector.url, verb, data))
        assert result.status == 200, result.body
        assert result.body["type"] == MESSAGE, "a download leaves the card it came from"
        assert result.body["value"].endswith(SENT_BELOW), result.body
        cards = [
            a["content"]
            for sent in result.sent
            for a in sent.get("attachments") or []
            if a["contentType"] == CARD
        ]
        assert len(cards) == 1, result.sent
        assert token_problems(cards[0]) == []
        return json.dumps(cards[0], ensure_ascii=False)

    def rows(self, table: type) -> list[Any]:
        with self.bot.db.session() as session:
            return list(session.scalars(select(table)).all())


def saved_file(bot: AnyBot, text: str) -> Path:
    """The file a local-mode "Your file is ready" card names (`bot.files.kept_here`: by its
    name, never the server's path): the one export of this bot's whose name the text holds,
    exactly as it is on disk (no look-alike dot or break in it, so it can be copied)."""
    with contextlib.suppress(ValueError):  # cards dumped as JSON, non-ASCII escaped
        text = json.dumps(json.loads(text), ensure_ascii=False)
    named = as_typed(text)
    with bot.db.session() as session:
        paths = [Path(row.path) for row in session.scalars(select(t.ExportFile))]
    found = [path for path in paths if path.name in text]
    assert len(found) == 1, (named, [p.name for p in paths])
    assert not [p for p in paths if str(p.parent) in named], "the server's path is never shown"
    return found[0]


def saved(j: Journey, card: str, suffix: str) -> Path:
    """The file a "Your file is ready" card offers, saved with the suffix asked for."""
    assert "Your file is ready" in card, card
    path = saved_file(j.bot, card)
    assert path.suffix == suffix, path
    assert path.is_file(), path
    return path


def _name(aad: str) -> str:
    return {
        USER_AAD: "Review Chair",
        PRACTITIONER: "Police Practitioner",
        COLLEAGUE: "Police Colleague",
        LEAD: "Police Lead",
    }.get(aad, "Someone Else")


async def journey_on(bot: AnyBot) -> Journey:
    """A partnership with a chair, two police practitioners, their lead and an outsider."""
    j = Journey(bot)
    for aad in (USER_AAD, PRACTITIONER, COLLEAGUE, LEAD, OUTSIDER):
        await j.say("help", aad)  # everyone has talked to the bot, so has an address
    with bot.db.session() as session, session.begin():
        partnership = session.scalars(select(t.Partnership)).one()
        police = t.Agency(partnership_id=partnership.id, name="Demo Police", sector="police")
        health = t.Agency(partnership_id=partnership.id, name="Demo Health", sector="health")
        session.add_all([police, health])
        session.flush()
        members = {m.aad_object_id: m for m in session.scalars(select(t.Member))}
        session.add(t.MemberRole(member_id=members[USER_AAD].id, role="chair"))
        for aad, role in (
            (PRACTITIONER, "practitioner"),
            (COLLEAGUE, "practitioner"),
            (LEAD, "agency_lead"),
        ):
            members[aad].agency_id = police.id
            session.add(t.MemberRole(member_id=members[aad].id, role=role))
        members[OUTSIDER].agency_id = health.id
        session.add(t.MemberRole(member_id=members[OUTSIDER].id, role="practitioner"))
    bot.connector.clear()
    return j


async def open_review(j: Journey) -> tuple[int, int]:
    await j.say("new review")
    creation = j.bot.connector.cards()[-1]
    agency_choices = next(e for e in creation["body"] if e.get("id") == "agencies")["choices"]
    police = next(c["value"] for c in agency_choices if c["title"] == "Demo Police")
    card = await j.card(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child K",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": police,
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    assert "Assign practitioners" in card
    assert "LOS-" in card
    review = j.rows(t.Review)[0]
    card = await j.card(
        verbs.REVIEW_ASSIGN,
        {"review_id": review.id, f"assignees_{police}": f"{PRACTITIONER},{COLLEAGUE}"},
    )
    assert "is open for returns" in card
    ret = j.rows(t.PreAnalysisReturn)[0]
    return review.id, ret.id


async def answer_every_section(j: Journey, return_id: int) -> None:
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)


async def submitted_return(j: Journey) -> int:
    """A review with one police return, answered and submitted: waiting for sign-off."""
    _, return_id = await open_review(j)
    await answer_every_section(j, return_id)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    return return_id


async def answered_by_lead_who_writes(j: Journey) -> int:
    """A review with one police return the lead writes too (a small agency: assigned beside
    its practitioners), every section answered, not yet submitted."""
    _, return_id = await open_review(j)
    with j.bot.db.session() as session, session.begin():
        lead = session.scalars(select(t.Member).where(t.Member.aad_object_id == LEAD)).one()
        session.add(t.ReturnAssignee(return_id=return_id, member_id=lead.id))
    await answer_every_section(j, return_id)
    return return_id


def creation_data(j: Journey) -> dict[str, Any]:
    """The data of the creation card's Create button (`new review`), filled in for Child K
    with the police invited."""
    card = j.bot.connector.cards()[-1]
    agencies = next(e for e in card["body"] if e.get("id") == "agencies")["choices"]
    police = next(c["value"] for c in agencies if c["title"] == "Demo Police")
    return {
        **button_data(card, verbs.REVIEW_CREATE),
        "pseudonym": "Child K",
        "reason": "Neglect concerns held by several agencies.",
        "agencies": police,
        "returns_due_on": "2099-01-15",
        "meeting_on": "2099-02-01",
    }


def card_verbs(card: Any) -> list[str]:
    """Every Action.Execute verb on a card, nested action sets included."""
    if isinstance(card, list):
        return [verb for item in card for verb in card_verbs(item)]
    if not isinstance(card, dict):
        return []
    own = [str(card["verb"])] if card.get("type") == "Action.Execute" else []
    return own + [verb for value in card.values() for verb in card_verbs(value)]


async def signed_off_review(j: Journey) -> int:
    review_id, return_id = await open_review(j)
    await answer_every_section(j, return_id)
    for day, event in (
        ("2025-01-10", "School raised concern about attendance"),
        ("2025-06-20", "Missed health appointment for Child K"),
    ):
        await j.act(
            verbs.ENTRY_SAVE,
            {
                "return_id": return_id,
                "event_date": day,
                "source": "school log",
                "event": event,
                "themes": "neglect",
            },
            PRACTITIONER,
        )
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)
    return review_id


def good_action(agency_id: int, owner: str = PRACTITIONER) -> dict[str, Any]:
    return {
        "description": "Audit 20 attendance referrals against the new escalation "
        "pathway and report the findings to the LIC group.",
        "theme": "neglect",
        "owner": owner,
        "agency_id": str(agency_id),
        "due_on": "2099-03-31",
        "success_measure": "90% of referrals escalated within 5 working days.",
    }


THREE_NEEDS = (
    "Escalate attendance concerns sooner\nShare health visits\nSee the child at every visit"
)


async def published(j: Journey, actions: int = 1) -> list[t.ActionItem]:
    """A signed-off review whose outcome is published with `actions` action items."""
    review_id = await signed_off_review(j)
    for _ in range(actions):
        await j.act(
            verbs.ACTION_SAVE,
            {"review_id": review_id, **good_action(police_id(j)), "due_on": "2027-03-31"},
        )
    # Three learning points fill the briefing's three key learning boxes, which are each
    # written before it is sent for approval.
    await j.act(
        verbs.OUTCOME_PUBLISH,
        {"review_id": review_id, "agreed_themes": "neglect", "learning_needs": THREE_NEEDS},
    )
    return j.rows(t.ActionItem)


async def register_lic_channel(
    j: Journey, purpose: str = "lic", conversation: str = LIC_CHANNEL
) -> None:
    body = activity(
        "message-channel-mention",
        j.bot.connector.url,
        text=f"<at>Line of Sight</at> register channel {purpose}",
    )
    body["conversation"]["id"] = conversation
    status, _ = await j.bot.post(as_user(body, USER_AAD))
    assert status == 201
    assert "Channel registered" in json.dumps(j.bot.connector.cards()[-1])


async def in_channel(j: Journey, aad: str, channel: str, verb: str, data: dict[str, Any]) -> Any:
    """A card button clicked in a team channel (in the post's thread), not in a 1:1 chat."""
    body = person(aad).clicks(j.bot.connector.url, verb, data)
    body["conversation"] = {
        **activity("message-channel-mention", j.bot.connector.url)["conversation"],
        "id": f"{channel};messageid=1700000000000",
        "tenantId": body["conversation"]["tenantId"],
    }
    result = await j.turn(body)
    assert result.status == 200, result.body
    return result.body


def police_id(j: Journey) -> int:
    return next(a.id for a in j.rows(t.Agency) if a.name == "Demo Police")


def button_data(card: dict[str, Any], verb: str) -> dict[str, Any]:
    """The data of the card's button for `verb` (at any depth), as Teams would send it back:
    what a test clicks, token and all."""
    found = _find_button(card, verb)
    assert found is not None, f"no {verb} button on the card"
    return dict(found)


def _find_button(node: Any, verb: str) -> dict[str, Any] | None:
    if isinstance(node, list):
        return next((d for item in node if (d := _find_button(item, verb)) is not None), None)
    if not isinstance(node, dict):
        return None
    if node.get("type") == "Action.Execute" and node.get("verb") == verb:
        data = node.get("data")
        return data if isinstance(data, dict) else {}
    return next(
        (d for value in node.values() if (d := _find_button(value, verb)) is not None), None
    )


def waiting_request(j: Journey, action_id: int) -> int:
    """The id of the latest date request on an action item: what the chair's card names."""
    asked = [
        p
        for p in j.rows(t.ProgressEntry)
        if p.action_item_id == action_id and p.kind == "date_requested"
    ]
    return int(max(p.id for p in asked))


def draft_key(j: Journey, place: int, review_id: int | None = None) -> str:
    """The key the outcome card names the draft action item at `place` by."""
    [stored] = [o for o in j.rows(t.MeetingOutcome) if review_id in (None, o.review_id)]
    return keyed([DraftAction.from_json(d) for d in stored.draft_actions])[place].key


def episode_key(j: Journey, return_id: int, episode: int) -> str:
    """The key "Remove this episode" names a key practice episode by (its first answer's id)."""
    ids = [a.id for a in j.rows(t.Answer) if a.return_id == return_id and a.episode == episode]
    return f"e{min(ids)}"


def make_lic_member(j: Journey, aad: str = COLLEAGUE) -> None:
    """Give a journey member the LIC group role: the second person who approves a guide."""
    with j.bot.db.session() as session, session.begin():
        member = session.scalars(select(t.Member).where(t.Member.aad_object_id == aad)).one()
        session.add(t.MemberRole(member_id=member.id, role="lic_member"))


def guide_shown(bot: AnyBot, review_id: int, **typed: Any) -> dict[str, Any]:
    """A guide button's data as the guide's card draws it now: the review, the guide's
    revision (approve and send back name the exact text shown), and what was typed."""
    with bot.db.session() as session:
        uow = SqlUnitOfWork(session)
        record = uow.outcomes.guide(review_id)
        assert record is not None, "no guide drafted yet"
        notes = due_notes_for(uow, review_id, record)
    return {"review_id": review_id, REVISION: guide_revision(record, notes), **typed}


async def published_guide(j: Journey, review_id: int, approver: str = COLLEAGUE) -> str:
    """The chair sends the guide for approval and an LIC member approves it: the approver's
    card, as JSON text."""
    make_lic_member(j, approver)
    await j.act(verbs.GUIDE, {"review_id": review_id})
    sent = await j.card(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    assert "Sent for approval" in sent, sent
    card = await j.card(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), approver)
    assert "version 1 published" in card, card
    return card


def refusal(reply: dict[str, Any]) -> str:
    """What a refused click was told: its message, or, a click on a card the thing has moved
    on from, the refusal under the header of the thing's current card (walk10)."""
    if reply["type"] != CARD:
        return str(reply["value"])
    [notice] = [e for e in reply["value"]["body"] if e.get("id") == STALE_NOTICE_ID]
    return str(notice["text"])
