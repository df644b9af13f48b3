"""Issue 7, item 6: generated bad input against the running app, over HTTP.

Hypothesis posts activities and card payloads to a bot whose database already holds a review,
returns, answers and chronology entries (so ids in card data often name real records): wrong
types, missing fields, huge strings, unicode (lone surrogates and NULs survive JSON as escapes),
nested garbage, unknown verbs, every registered verb with garbage data, and replays of cards
that worked. After every request (`verdict`):

- no 5xx, for any invoke name;
- no traceback, exception name or library internals in the HTTP body or in anything the fake
  connector received;
- no partial writes: a 4xx changes no row; a request changes rows beyond the sighting of who
  spoke (partnership, member, member_role and their audit events) only with an audit event
  for that change; an error answer comes with no change beyond the sighting; audit rows are
  only ever inserted;
- oversized message text is refused with the limit named, before anything is written.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from bot.app import SERVICES
from bot.files import SENT_BELOW
from bot.turns import ACTIVITY_ID_MAX
from cards import verbs
from domain.chronology import TEXT_FIELDS
from domain.commands import MAX_MESSAGE_CHARS
from domain.questions import follow_up_input_id
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.security.support import CRASH, Change, Snapshot, changes, internals_in, schema, snapshot
from tests.security.world import BANK, Partnership, build
from tests.support.activities import TENANT, USER_AAD, activity, invoke, message, submit
from tests.support.journey import CARD, MESSAGE, Exchange, Person, exchange, post_raw

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# The fixtures' own user (the bootstrap admin): every generated activity starts as them.
ME = Person(TENANT, USER_AAD, "Review Chair")
OTHERS = (
    Person(TENANT, "11111111-1111-4111-8111-111111111111", "Police Lead"),
    Person(TENANT, "22222222-2222-4222-8222-222222222222", "Police Officer"),
    Person(TENANT, "33333333-3333-4333-8333-333333333333", "Health Nurse"),
)

# Who spoke, and the claim on what they sent (one effect per click: bot/once.py), are written
# with every turn; neither is a record of anything done.
SIGHTING_TABLES = frozenset(
    {"partnership", "member", "member_role", "audit_event", "idempotency_record"}
)
SIGHTING_ACTIONS = frozenset(
    {
        "partnership.created",
        "member.created",
        "member.updated",
        "member.role_granted",
        "member.welcomed",
    }
)
# Where a member is in their return is navigation, not a record: kept without an audit event.
NAVIGATION = {"pre_analysis_return": frozenset({"current_section", "revision", "updated_at"})}
# Every status change is audited (domain/returns.py `_mark_started` included): none tolerated.
UNAUDITED_TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {}
ERROR_TITLES = ("That didn't work", "Please try again", "Something went wrong on my side")


# --- the seeded bot ---------------------------------------------------------------------------


@dataclass
class Seeded:
    bot: BotUnderTest
    ids: Partnership
    verbs: tuple[str, ...]


@pytest.fixture
async def seeded(bot: BotUnderTest) -> Seeded:
    return await seed(bot)


async def seed(bot: BotUnderTest) -> Seeded:
    """A review with a return the fixture user is assigned to (and leads), one in progress by
    someone else, answers and chronology entries."""
    ids = await build(bot, "Seed", ME, *OTHERS, submit=False)
    with bot.db.session() as session, session.begin():
        me = session.get(t.Member, ids.members[USER_AAD])
        assert me is not None
        me.agency_id = ids.agencies["police"]
        for role in ("agency_lead", "practitioner"):
            session.add(t.MemberRole(member_id=ids.members[USER_AAD], role=role))
        session.add(
            t.ReturnAssignee(return_id=ids.returns["police"], member_id=ids.members[USER_AAD])
        )
    bot.connector.clear()
    return Seeded(bot, ids, tuple(sorted(bot.app[SERVICES].router.verbs)))


# --- strategies -------------------------------------------------------------------------------

SPECIAL_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff x \ud83d",
    "\u202egnp.exe",
    "<at>Line of Sight</at> help",
    "<script>alert(1)</script>",
    "${jndi:ldap://127.0.0.1/a}",
    "' OR 1=1 --",
    "%s%s%n",
    "{{7*7}}",
    "LOS-2026-001",
    "²",
    "٣",
    "1e309",
    "-1",
    "0",
    "NaN",
    "null",
    "9" * 5000,
    "\u0301" * 50,
    "👩‍👩‍👧‍👦" * 20,
    "\r\n\t",
    "help",
    "my profile",
    "continue",
]
chars = st.characters() | st.characters(categories=["Cs"]) | st.sampled_from(["\x00", "\u202e"])
texts = st.text(chars, max_size=40) | st.sampled_from(SPECIAL_STRINGS)
huge = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["x", "é", "\u2603", "\ud800", "ab "]),
    st.integers(MAX_MESSAGE_CHARS - 5, 270_000),
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


def deep(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"a": [value]}
    return value


nested = st.integers(50, 400).map(deep)
# Numbers and digit strings at the edges of what parsers and databases take.
edges = st.sampled_from(
    [
        2**31,
        2**63 - 1,
        2**63,
        2**64,
        2**70,
        -(2**63) - 1,
        -1,
        0,
        1.5,
        1e308,
        True,
        "²",
        "٣",
        "1" * 25,
    ]
)
garbage = json_values | nested | huge


def data_keys() -> list[str]:
    keys = {
        "verb", "return_id", "review_id", "section", "episode", "entry_id", "agency_id",
        "member_id", "page", "revs", "comments", "confirm_identifiers", "pseudonym", "reason",
        "agencies", "returns_due_on", "meeting_on", "name", "sector", "lead", "display_name",
        "aad_object_id", "agency", "roles", "event_date", "end_date", "date_certainty",
        "themes", "theme", "key_practice_episode", "missed_opportunity", "confirmed", "action_key",
        "episode_key", "owner", "owner_aad", "description", "due_on", "format", "keep", "new",
    }  # fmt: skip
    keys.update(TEXT_FIELDS)
    for section in BANK.sections:
        for question in section.questions:
            keys.update({question.id, follow_up_input_id(question.id)})
    return sorted(keys)


KEYS = data_keys()


ID_KEYS = ("return_id", "review_id", "entry_id", "agency_id", "member_id", "section", "episode")
big = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["x", "é", "\u2603", "ab "]),
    st.integers(1_000, 30_000),
)


@st.composite
def card_data(draw: st.DrawFn, seeded: Seeded) -> dict[str, Any]:
    """Card data that gets past the first checks: real ids of the seeded records (ids as a
    card carries them, or as text), then any fields with plausible or garbage values."""
    ids = seeded.ids
    real = st.sampled_from(
        sorted(
            {*ids.returns.values(), *ids.reviews, *ids.entries, *ids.agencies.values()}
            | {*ids.members.values(), 0, 1, 2}
        )
    )
    data: dict[str, Any] = {}
    for key in ID_KEYS:
        if draw(st.booleans()):
            data[key] = draw(real | real.map(str) | edges)
    plausible = texts | real | st.sampled_from([*ids.members, "true", "false", "2025-03-14"])
    value = plausible | plausible | edges | json_values | big
    data.update(draw(st.dictionaries(st.sampled_from(KEYS) | texts, value, max_size=8)))
    return data


# --- what must hold after every request -------------------------------------------------------


def is_error(result: Exchange) -> bool:
    if isinstance(result.body, dict) and result.body.get("type") == MESSAGE:
        # A download answers its click "… is in a new message below." and sends the file's
        # card as a message of its own (the card clicked stays): that is success, not an error.
        value = str(result.body.get("value"))
        return value != "Done." and not value.endswith(SENT_BELOW)
    return any(title in json.dumps(s) for s in result.sent for title in ERROR_TITLES)


def unaudited_ok(columns: list[str], change: Change) -> bool:
    """True when a change touches only navigation state (or the one tolerated transition)."""
    if change.before is None or change.after is None:
        return False
    allowed = NAVIGATION.get(change.table, frozenset())
    for column, old, new in zip(columns, change.before, change.after, strict=True):
        if old == new or column in allowed:
            continue
        if UNAUDITED_TRANSITIONS.get((change.table, column)) != (old, new):
            return False
    return True


def _delta(columns: list[str], change: Change) -> tuple[str, Any, dict[str, Any]]:
    if change.before is None or change.after is None:
        return change.table, change.key, {"row": change.after or change.before}
    moved = {
        column: (old, new)
        for column, old, new in zip(columns, change.before, change.after, strict=True)
        if old != new
    }
    return change.table, change.key, moved


def verdict(bot: BotUnderTest, body: Any, result: Exchange, before: Snapshot) -> list[str]:
    problems: list[str] = []
    if result.status >= 500:
        problems.append(f"HTTP {result.status}")
    leaked = internals_in([result.everything()])
    if leaked:
        problems.append(f"internals reached the user: {leaked[:3]}")
    found = changes(before, snapshot(bot.db.engine))
    if 400 <= result.status < 500 and found:
        problems.append(f"a refused request ({result.status}) changed {found[:3]}")
    shape = schema(bot.db.engine)
    action = shape.columns["audit_event"].index("action")
    audits = [c for c in found if c.table == "audit_event"]
    if any(c.before is not None for c in audits):
        problems.append("an audit row was updated or deleted")
    domain_actions = {c.after[action] for c in audits if c.after is not None} - SIGHTING_ACTIONS
    writes = [
        c
        for c in found
        if c.table not in SIGHTING_TABLES and not unaudited_ok(shape.columns[c.table], c)
    ]
    if writes and not domain_actions:
        problems.append(
            f"unaudited write: {[_delta(shape.columns[c.table], c) for c in writes[:3]]}"
        )
    if is_error(result) and (writes or domain_actions):
        problems.append(f"an error answer after a write: {sorted(domain_actions)}")
    return problems


def oversized_message(body: Any, service_url: str) -> bool:
    """A text message over the limit that the bot can answer (its serviceUrl is the connector)."""
    return (
        isinstance(body, dict)
        and body.get("serviceUrl") == service_url
        and body.get("type") == "message"
        and isinstance(body.get("text"), str)
        and len(body["text"]) > MAX_MESSAGE_CHARS
        and bool(body["text"].strip())
        and isinstance(body.get("from"), dict)
    )


async def post_and_judge(seeded: Seeded, body: Any) -> Exchange:
    bot = seeded.bot
    before = snapshot(bot.db.engine)
    result = await exchange(bot, body)
    problems = verdict(bot, body, result, before)
    if CRASH in result.everything() and not known_crash(body):
        problems.append("an unexpected error instead of a clear answer")
    if oversized_message(body, bot.connector.url) and result.status == 201:
        if f"the limit is {MAX_MESSAGE_CHARS:,}" not in result.everything():
            problems.append("oversized text refused without naming the limit")
        if changes(before, snapshot(bot.db.engine)):
            problems.append("oversized text wrote something")
    assert problems == [], (problems, _describe(body), result.status, str(result.body)[:300])
    return result


def known_crash(body: Any) -> bool:
    """Inputs that still crash a handler (reported; see test_known_crashes_*): the fuzz
    tolerates exactly these until they are fixed."""
    data = _card_data_of(body)
    agencies = data.get("agencies")
    if data.get("verb", _verb_of(body)) != verbs.REVIEW_CREATE or not isinstance(agencies, str):
        return False
    # domain/reviews.py _agency_ids: `part.strip().isdigit()` then `int(part)`, which raises
    # for digits that are not decimal ("²") and for more than 4,300 of them.
    parts = [part.strip() for part in agencies.split(",")]
    return any(p.isdigit() and (not p.isdecimal() or len(p) > 4300) for p in parts)


def _verb_of(body: Any) -> Any:
    value = body.get("value") if isinstance(body, dict) else None
    action = value.get("action") if isinstance(value, dict) else None
    return action.get("verb") if isinstance(action, dict) else None


def _card_data_of(body: Any) -> dict[str, Any]:
    value = body.get("value") if isinstance(body, dict) else None
    action = value.get("action") if isinstance(value, dict) else None
    data = action.get("data") if isinstance(action, dict) else value
    return data if isinstance(data, dict) else {}


def _describe(body: Any) -> str:
    text = json.dumps(body, default=str)
    return text if len(text) < 1500 else text[:1500] + f"... ({len(text):,} chars)"


# --- whole activities -------------------------------------------------------------------------

TOP_LEVEL = [
    "type", "text", "value", "name", "from", "conversation", "recipient", "channelData",
    "channelId", "timestamp", "localTimestamp", "id", "replyToId", "entities", "attachments",
    "membersAdded", "membersRemoved", "action", "locale", "deliveryMode", "textFormat",
    "attachmentLayout", "expiration", "importance", "label", "valueType", "relatesTo", "code",
]  # fmt: skip
NESTED = [
    ("from", "id"), ("from", "aadObjectId"), ("from", "name"), ("from", "role"),
    ("conversation", "id"), ("conversation", "conversationType"), ("conversation", "tenantId"),
    ("conversation", "isGroup"), ("recipient", "id"), ("channelData", "tenant"),
    ("value", "action"), ("value", "trigger"),
]  # fmt: skip
# A reply goes to serviceUrl, so only values that can't reach beyond this machine.
SERVICE_URLS = [5, "", "not a url", "http://127.0.0.1:1/", "ftp://127.0.0.1/", ["x"], {"a": 1}]
BASES = [
    "message-text-personal",
    "invoke-adaptive-card-action",
    "message-action-submit",
    "installation-update-add-personal",
    "conversation-update-members-added-personal",
    "message-channel-mention",
]
DELETE = object()


@st.composite
def activities(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    body = activity(draw(st.sampled_from(BASES)), service_url)
    for _ in range(draw(st.integers(1, 4))):
        choice = draw(st.integers(0, 3))
        new = DELETE if draw(st.integers(0, 4)) == 0 else draw(garbage)
        if choice == 0:
            key = draw(st.sampled_from(TOP_LEVEL))
            _set(body, key, new)
        elif choice == 1:
            outer, inner = draw(st.sampled_from(NESTED))
            if isinstance(body.get(outer), dict):
                _set(body[outer], inner, new)
        elif choice == 2:
            body["serviceUrl"] = draw(st.sampled_from(SERVICE_URLS))
        else:
            body["text"] = draw(huge | texts)
    return body


def _set(target: dict[str, Any], key: str, value: Any) -> None:
    if value is DELETE:
        target.pop(key, None)
    else:
        target[key] = value


@FUZZ
@given(draw=st.data())
async def test_generated_activities(seeded: Seeded, draw: st.DataObject) -> None:
    await post_and_judge(seeded, draw.draw(activities(seeded.bot.connector.url), label="body"))


# --- card payloads ----------------------------------------------------------------------------


@FUZZ
@given(draw=st.data(), universal=st.booleans())
async def test_every_verb_with_generated_data(
    seeded: Seeded, draw: st.DataObject, universal: bool
) -> None:
    known = draw.draw(st.integers(0, 9), label="known verb") > 0
    verb = draw.draw(st.sampled_from(seeded.verbs) if known else texts | json_values, label="verb")
    well_formed = draw.draw(st.integers(0, 9), label="well-formed data") > 0
    data = draw.draw(card_data(seeded) if well_formed else garbage, label="data")
    url = seeded.bot.connector.url
    if universal:
        body = invoke(url, verb, data)
    else:
        body = submit(url, {**data, "verb": verb} if isinstance(data, dict) else data)
    result = await post_and_judge(seeded, body)
    if universal and result.status == 200:
        assert result.body.get("type") in (CARD, MESSAGE), result.body


# --- replays ----------------------------------------------------------------------------------


def journey(ids: Partnership) -> Iterator[tuple[str, dict[str, Any]]]:
    """Cards that work once for the fixture user, in an order that changes things."""
    police = ids.returns["police"]
    yield verbs.RETURN_SAVE, {"return_id": police, "section": 0, "agency_team": "Team one"}
    yield (
        verbs.ENTRY_SAVE,
        {
            "return_id": police,
            "event_date": "2025-04-01",
            "source": "Replay source",
            "event": "Replayed event.",
        },
    )
    yield verbs.ENTRY_REMOVE, {"return_id": police, "entry_id": ids.entries[0]}
    yield verbs.EPISODE_ADD, {"return_id": police, "section": 2}
    yield verbs.RETURN_SUBMIT, {"return_id": police}
    yield verbs.SIGNOFF_APPROVE, {"return_id": police}
    yield verbs.AGENCY_SAVE, {"name": "Replay Probation", "sector": "probation"}
    yield (
        verbs.MEMBER_SAVE,
        {
            "display_name": "Replay Member",
            "aad_object_id": "44444444-4444-4444-8444-444444444444",
            "roles": "practitioner",
        },
    )
    yield (
        verbs.REVIEW_ASSIGN,
        {
            "review_id": ids.reviews[0],
            f"assignees_{ids.agencies['police']}": OTHERS[1].aad,
        },
    )


REPLAYS = len(
    list(
        journey(
            Partnership(returns={"police": 0}, reviews=[0], entries=[0], agencies={"police": 0})
        )
    )
)


@settings(FUZZ, max_examples=75)  # each example is a sequence of up to 5 requests
@given(
    plays=st.lists(
        st.tuples(st.integers(0, REPLAYS - 1), st.booleans(), st.booleans(), st.booleans()),
        min_size=1,
        max_size=5,
    )
)
async def test_replayed_and_stale_cards(
    seeded: Seeded, plays: list[tuple[int, bool, bool, bool]]
) -> None:
    """Cards of a journey replayed, in any order and any number of times, by either kind of
    action, some with stale revisions, some with a card's token (answered from the first
    click's claim, or refused as stale): the invariants hold after each request."""
    steps = list(journey(seeded.ids))
    url = seeded.bot.connector.url
    for index, universal, stale, tokened in plays:
        verb, data = steps[index]
        data = copy.deepcopy(data)
        if stale:
            data["revs"] = {"agency_team": 0}
            data["section"] = "0"
        if tokened:
            data["card_id"] = f"replayed-{index}"
            if stale:
                data["rev"] = "0"
        body = invoke(url, verb, data) if universal else submit(url, {**data, "verb": verb})
        await post_and_judge(seeded, body)


# --- the same, pinned down ------------------------------------------------------------------


def sighting_only(found: list[Change]) -> bool:
    return all(c.table in SIGHTING_TABLES for c in found)


async def test_malformed_activities_are_a_400_never_a_500(bot: BotUnderTest) -> None:
    url = bot.connector.url
    bad_fields = {
        "timestamp": "nonsense",
        "localTimestamp": 5,
        "expiration": "soon",
        "membersAdded": "everyone",
        "entities": 5,
        "attachments": "x",
        "listenFor": "x",
    }
    for key, value in bad_fields.items():
        result = await exchange(bot, {**invoke(url, verbs.PROFILE), key: value})
        assert result.status == 400, (key, result.status)
        assert "wrong types" in str(result.body)
    for depth in (33, 300):
        result = await exchange(bot, {**invoke(url, verbs.PROFILE, {"x": deep(depth)})})
        assert result.status == 400, depth
        assert "nested more than 64 levels" in str(result.body)
    raw = b'{"type": "message", "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, _ = await post_raw(bot, raw)
    assert status == 400
    assert snapshot(bot.db.engine) == {name: {} for name in snapshot(bot.db.engine)}
    assert bot.connector.sent == []


async def test_an_activity_without_a_conversation_id_is_refused_before_it_is_recorded(
    seeded: Seeded,
) -> None:
    """No reply could reach it, and recording the sighting would point the sender's chasers at
    a conversation that doesn't exist (found by test_generated_activities)."""
    bot = seeded.bot
    before = snapshot(bot.db.engine)
    for conversation_id in (None, "", 5):
        body = message(bot.connector.url, "help")
        body["conversation"]["id"] = conversation_id
        result = await exchange(bot, body)
        assert result.status == 400, conversation_id
        assert "no conversation id" in str(result.body)
    assert changes(before, snapshot(bot.db.engine)) == []
    assert bot.connector.sent == []


async def test_an_activity_id_too_long_for_the_reply_s_url_is_refused_before_it_is_recorded(
    seeded: Seeded,
) -> None:
    """The reply goes to a URL that carries the activity's id: one of 9,995 characters put it
    past the 8,190 bytes a server reads, so the message was answered with nothing (found by
    test_generated_activities). It is refused as the stored ids are; one at the limit is
    answered."""
    bot = seeded.bot
    before = snapshot(bot.db.engine)
    body = message(bot.connector.url, "help")
    body["id"] = "x" * (ACTIVITY_ID_MAX + 1)
    result = await exchange(bot, body)
    assert result.status == 400
    refused = f"Activity field id is longer than {ACTIVITY_ID_MAX} bytes once encoded"
    assert refused in str(result.body)
    # Counted as the reply's URL carries it: 300 "€" are 2,700 bytes there, not 300.
    body["id"] = "€" * 300
    result = await exchange(bot, body)
    assert result.status == 400
    assert refused in str(result.body)
    assert changes(before, snapshot(bot.db.engine)) == []
    assert bot.connector.sent == []
    body["id"] = "x" * ACTIVITY_ID_MAX
    answered = await exchange(bot, body)
    assert answered.status < 300
    assert answered.cards, "help is answered with its card"


async def test_nul_and_lone_surrogates_are_replaced_not_a_crash(seeded: Seeded) -> None:
    bot, police = seeded.bot, seeded.ids.returns["police"]
    with bot.db.session() as session:
        answer = session.scalars(
            select(t.Answer).where(
                col(t.Answer.return_id) == police, col(t.Answer.question_id) == "agency_team"
            )
        ).one()
    data = {
        "return_id": police,
        "section": 0,
        "revs": {"agency_team": answer.revision},
        "agency_team": "Team \x00 at \ud800 base",
    }
    body = invoke(bot.connector.url, verbs.RETURN_SAVE, data)
    body["from"]["name"] = "Review \udfff Chair"
    result = await exchange(bot, body)
    assert result.status == 200
    assert CRASH not in result.everything()
    with bot.db.session() as session:
        mine = select(t.Answer).where(col(t.Answer.return_id) == police)
        stored = {a.question_id: a.value for a in session.scalars(mine)}
        member = session.get(t.Member, seeded.ids.members[USER_AAD])
    assert stored["agency_team"] == "Team \ufffd at \ufffd base"
    assert member is not None
    assert member.display_name == "Review \ufffd Chair"
    reply = await exchange(bot, message(bot.connector.url, "help \x00\ud83d"))
    assert reply.status == 201
    assert reply.sent, "the reply was delivered"


async def test_a_surrogate_decoded_from_another_charset_is_replaced_too(seeded: Seeded) -> None:
    """A body declared as UTF-7 decodes to a lone surrogate with no JSON escape in sight: the
    shortcut past the cleaning walk (bot/app.py) must not let it through."""
    bot = seeded.bot
    body = message(bot.connector.url, "help")
    body["from"]["name"] = "Review \ud800 Chair"
    raw = json.dumps(body, ensure_ascii=False).encode("utf-7")
    assert b"\\u" not in raw
    status, _ = await post_raw(bot, raw, {"Content-Type": "application/json; charset=utf-7"})
    assert status == 201
    with bot.db.session() as session:
        member = session.get(t.Member, seeded.ids.members[USER_AAD])
    assert member is not None
    assert member.display_name == "Review \ufffd Chair"
    assert bot.connector.sent, "the reply was delivered"


async def test_numbers_beyond_64_bits_get_a_clear_answer(seeded: Seeded) -> None:
    bot = seeded.bot
    huge = dict.fromkeys(
        ("return_id", "review_id", "entry_id", "agency_id", "member_id", "section", "page"), 2**70
    )
    problems = []
    for verb in seeded.verbs:
        for data in (huge, {**huge, "return_id": seeded.ids.returns["police"]}):
            before = snapshot(bot.db.engine)
            result = await exchange(bot, invoke(bot.connector.url, verb, data))
            if result.status != 200 or CRASH in result.everything():
                problems.append(f"{verb} {data}: {result.status} {str(result.body)[:80]}")
            if not sighting_only(changes(before, snapshot(bot.db.engine))) and is_error(result):
                problems.append(f"{verb} {data}: wrote and answered with an error")
    assert problems == []


def too_long(n: int) -> str:
    return "Child K " + "x" * n


async def test_oversized_text_is_refused_with_the_limit_named(seeded: Seeded) -> None:
    bot, ids = seeded.bot, seeded.ids
    police = ids.returns["police"]
    entry = {"event_date": "2025-03-14", "source": "GP record", "event": "Visit."}
    cases: list[tuple[str, dict[str, Any], str]] = [
        (
            verbs.REVIEW_CREATE,
            {
                "pseudonym": too_long(60),
                "reason": too_long(2000),
                "agencies": str(ids.agencies["police"]),
                "returns_due_on": "2099-01-15",
                "meeting_on": "2099-02-01",
            },
            "the limit is 60",
        ),
        (verbs.ENTRY_SAVE, {"return_id": police, **entry, "event": too_long(20_000)}, "limit is"),
        (
            verbs.RETURN_SAVE,
            {"return_id": police, "section": 0, "agency_team": too_long(20_000)},
            "keep it to",
        ),
        (verbs.AGENCY_SAVE, {"name": too_long(300), "sector": "police"}, "the limit is"),
        (
            verbs.MEMBER_SAVE,
            {
                "display_name": too_long(300),
                "aad_object_id": OTHERS[0].aad,
                "roles": "practitioner",
            },
            "the limit is",
        ),
    ]
    for verb, data, named in cases:
        before = snapshot(bot.db.engine)
        result = await exchange(bot, invoke(bot.connector.url, verb, data))
        assert result.status == 200, verb
        assert named in result.everything(), (verb, str(result.body)[:300])
        assert sighting_only(changes(before, snapshot(bot.db.engine))), verb
    await exchange(bot, invoke(bot.connector.url, verbs.RETURN_SUBMIT, {"return_id": police}))
    before = snapshot(bot.db.engine)
    result = await exchange(
        bot,
        invoke(
            bot.connector.url,
            verbs.SIGNOFF_RETURN,
            {"return_id": police, "comments": too_long(2000)},
        ),
    )
    assert "the limit is 2,000" in result.everything()
    assert sighting_only(changes(before, snapshot(bot.db.engine)))
    before = snapshot(bot.db.engine)
    result = await exchange(bot, message(bot.connector.url, too_long(MAX_MESSAGE_CHARS)))
    assert f"the limit is {MAX_MESSAGE_CHARS:,}" in result.everything()
    assert changes(before, snapshot(bot.db.engine)) == []


@pytest.mark.parametrize("agencies", ["²", "9" * 5000])
async def test_odd_digits_in_agency_choices_get_a_clear_answer(
    seeded: Seeded, agencies: str
) -> None:
    data = {
        "pseudonym": "Child K",
        "reason": "Concerns.",
        "agencies": agencies,
        "returns_due_on": "2099-01-15",
        "meeting_on": "2099-02-01",
    }
    result = await exchange(seeded.bot, invoke(seeded.bot.connector.url, verbs.REVIEW_CREATE, data))
    assert CRASH not in result.everything()
