"""Issue 7, item 9 (first part): secrets and personal free text never reach the logs.

The whole return journey runs against the bot with authentication on (so real bearer tokens
travel both ways), with the app's own JSON logging (bot/logs.py `configure`) at DEBUG. Every
free-text value, every display name and the app password carry a marker; the captured log is
then scanned for the markers, the password and every token, and checked for what it must say:
the commands, verbs and outcomes.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.logs import configure
from cards import verbs
from tests.conftest import BotUnderTest
from tests.security.conftest import APP_ID, APP_PASSWORD, OUTBOUND_TOKEN
from tests.security.tokens import SigningKey, channel_claims, sign
from tests.security.world import build
from tests.support.activities import TENANT, USER_AAD, invoke
from tests.support.journey import Person, click, exchange, say

MARKER = "Zq7Marker"  # in every free-text value and name below (matched case-insensitively)
CHAIR = Person(TENANT, USER_AAD, f"{MARKER} Chair")
LEAD = Person(TENANT, "11111111-1111-4111-8111-111111111111", f"{MARKER} Lead")
POLICE = Person(TENANT, "22222222-2222-4222-8222-222222222222", f"{MARKER} Officer")
HEALTH = Person(TENANT, "33333333-3333-4333-8333-333333333333", f"{MARKER} Nurse")


@dataclass
class Captured:
    stream: io.StringIO

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]

    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def app_logs() -> Iterator[Captured]:
    """The app's logging exactly as `lineofsight serve` sets it up, written to a buffer."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure("DEBUG", [APP_PASSWORD])
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        yield Captured(stream)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


class Signed:
    """Posts through `authed_bot` with a fresh Bot Framework token, remembering every token."""

    def __init__(self, bot: BotUnderTest, key: SigningKey) -> None:
        self.bot = bot
        self.key = key
        self.tokens: list[str] = []

    def header(self) -> dict[str, str]:
        token = sign(
            self.key, channel_claims(APP_ID, self.bot.connector.url, jti=str(len(self.tokens)))
        )
        self.tokens.append(token)
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def signed(
    authed_bot: BotUnderTest, trusted_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> Signed:
    """Every post through the driver (tests/support/journey.py) carries a valid token, as the
    Bot Framework's do."""
    from tests.support import journey

    signer = Signed(authed_bot, trusted_key)
    original = journey.post

    async def post(bot: BotUnderTest, body: Any, headers: dict[str, str] | None = None) -> Any:
        return await original(bot, body, {**signer.header(), **(headers or {})})

    monkeypatch.setattr(journey, "post", post)
    return signer


async def test_a_full_journey_logs_ids_and_verbs_but_no_text_names_or_secrets(
    signed: Signed, app_logs: Captured
) -> None:
    bot = signed.bot
    ids = await build(bot, MARKER, CHAIR, LEAD, POLICE, HEALTH)
    police = ids.returns["police"]
    # The lead sends the return back with comments, the practitioner is told; then typed text.
    result = await click(
        bot, LEAD, verbs.SIGNOFF_RETURN, {"return_id": police, "comments": f"{MARKER} comments"}
    )
    assert result.status == 200
    assert f"{MARKER} comments" in json.dumps(result.sent), "the comments reached the officer"
    await say(bot, POLICE, f"what about {MARKER} typed text")
    await click(
        bot,
        CHAIR,
        verbs.MEMBER_SAVE,
        {
            "display_name": f"{MARKER} Newcomer",
            "aad_object_id": "44444444-4444-4444-8444-444444444444",
            "roles": "practitioner",
        },
    )
    # Requests that are refused are logged too: a forged card and a wrong token.
    await click(
        bot,
        HEALTH,
        verbs.RETURN_SAVE,
        {"return_id": police, "section": 0, "agency_team": f"{MARKER} forged"},
    )
    forged = invoke(bot.connector.url, verbs.PROFILE, {"note": MARKER})
    assert (
        await exchange(bot, forged, {"Authorization": f"Bearer {signed.tokens[0]}x"})
    ).status == 401

    text = app_logs.text()
    lines = app_logs.lines()
    assert lines, "the journey was logged"
    assert MARKER.lower() not in text.lower()
    for secret in (APP_PASSWORD, OUTBOUND_TOKEN, *signed.tokens):
        assert secret not in text
    assert "Bearer ey" not in text

    said = {(line["msg"], line.get("verb") or line.get("command")) for line in lines}
    for verb in (verbs.AGENCY_SAVE, verbs.REVIEW_CREATE, verbs.REVIEW_ASSIGN, verbs.RETURN_NEXT):
        assert ("card action", verb) in said, verb
    for verb in (verbs.ENTRY_SAVE, verbs.RETURN_SUBMIT, verbs.SIGNOFF_RETURN, verbs.MEMBER_SAVE):
        assert ("card action", verb) in said, verb
    assert ("command", "help") in said
    assert any(
        line["msg"] == "proactive sent" and isinstance(line.get("member"), int) for line in lines
    )
    assert any(line["msg"] == "authentication refused" for line in lines)
    assert all({"ts", "level", "logger", "msg"} <= line.keys() for line in lines)


def test_secrets_are_redacted_wherever_a_library_puts_them(app_logs: Captured) -> None:
    """What the journey can't provoke: a library logging a header, a secret in an extra field,
    in a structure, or in an exception."""
    token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
    noisy = logging.getLogger("some.library")
    noisy.debug("sending headers: Authorization: Bearer %s", token)
    noisy.info("client secret is %s", APP_PASSWORD)
    noisy.warning("request", extra={"authorization": f"Bearer {token}", "secret": APP_PASSWORD})
    noisy.warning(
        "request", extra={"headers": {"Authorization": f"Bearer {token}"}, "form": [APP_PASSWORD]}
    )
    try:
        raise RuntimeError(f"token endpoint refused client_secret={APP_PASSWORD} Bearer {token}")
    except RuntimeError:
        noisy.exception("token refresh failed")
    text = app_logs.text()
    assert len(app_logs.lines()) == 5
    assert APP_PASSWORD not in text
    assert token not in text
    assert text.count("[redacted]") >= 7


def test_the_agents_sdks_warnings_and_errors_get_through_without_what_people_typed(
    app_logs: Captured,
) -> None:
    """The Agents SDK's loggers aren't silenced: its warnings and errors reach the log, less
    the field values a validation error quotes (pydantic's input_value) and any record that
    carries an activity; its per-call info lines stop at the logger's level."""
    from microsoft_agents.activity import Activity, ChannelAccount
    from pydantic import ValidationError

    body = {
        "type": "message",
        "channelId": "msteams",
        "text": f"{MARKER} typed text",
        "from": {"id": "29:1", "name": f"{MARKER} Officer"},
        "conversation": {"id": 7, "name": f"{MARKER} chat", "isGroup": f"{MARKER} yes"},
    }
    with pytest.raises(ValidationError):
        Activity.model_validate(body)  # the SDK logs it at error level, the traceback too
    Activity(type="message", channel_id="msteams").add_mention(ChannelAccount(id="29:1"))
    sdk = logging.getLogger("microsoft_agents.hosting.core.turn_context")
    sdk.warning("activity refused: %s", Activity(type="message", text=f"{MARKER} typed"))
    sdk.warning("activity refused: %s", {"text": f"{MARKER} typed"})
    sdk.info("Replying to activity: %s", "1732612502123")
    lines = app_logs.lines()
    said = [(line["level"], line["logger"], line["msg"].splitlines()[0]) for line in lines]
    assert said == [
        (
            "error",
            "microsoft_agents.activity.activity",
            "Validation error for Activity: 2 validation errors for ValidatorCallable",
        ),
        (
            "warning",
            "microsoft_agents.activity.activity",
            "Adding a mention with no text or account name.",
        ),
    ]
    assert "input_value=[redacted]" in lines[0]["msg"]
    assert "input_value=[redacted]" in lines[0]["exc"]
    assert "conversation.isGroup" in lines[0]["msg"], "which field was refused stays"
    assert MARKER.lower() not in app_logs.text().lower()


def test_a_connector_call_the_channel_refused_is_the_sdks_warning_not_an_error(
    app_logs: Captured,
) -> None:
    """The SDK logs a refused connector call at error and raises it; the edge judges the error
    (Outbound: a refused proactive send is a warning), so the SDK's line is a warning too.
    Before this, every send the Playground refuses failed the e2e journeys on agents."""
    from types import SimpleNamespace

    from microsoft_agents.hosting.core.connector._utils import _handle_request_error

    def refused() -> None:
        raise RuntimeError("500")

    sdk = logging.getLogger("microsoft_agents.hosting.core.connector.client.connector_client")
    for status in (500, 400):
        response = SimpleNamespace(status=status, ok=False, raise_for_status=refused)
        with pytest.raises(RuntimeError):
            _handle_request_error(sdk, response, "v3/conversations/a:1/activities")  # type: ignore[arg-type]
    said = [(line["level"], line["msg"]) for line in app_logs.lines()]
    assert said == [
        ("warning", "Error accessing 'v3/conversations/a:1/activities': 500"),
        ("warning", "Bad request for 'v3/conversations/a:1/activities': 400"),
    ]


async def test_a_failed_write_does_not_put_the_answer_in_the_log(
    bot: BotUnderTest, app_logs: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write the database refuses: simulated by hiding the stored answer and inserting
    without the ON CONFLICT clause, so SQLite raises a real IntegrityError (unique key) about
    a statement whose parameters are the answer."""
    from sqlalchemy import insert

    from storage import reviews
    from storage.reviews import SqlReturns

    ids = await build(bot, "Plain", CHAIR, LEAD, POLICE, HEALTH, submit=False)
    monkeypatch.setattr(SqlReturns, "answers", lambda self, return_id: {})
    plain = insert(reviews._ANSWER).returning(reviews._ANSWER.c.id)
    monkeypatch.setattr(reviews, "_INSERT_ANSWER", {"sqlite": plain, "postgresql": plain})
    # The card drew no answer, as the hidden answers say: a card that drew one the save then
    # can't find is refused as cleared since (domain/returns.changed_since_drawn), never written.
    data = {"return_id": ids.returns["police"], "section": 0, "revs": {}}
    data["agency_team"] = f"{MARKER} answer text"
    result = await click(bot, POLICE, verbs.RETURN_SAVE, data)
    assert "give your admin this reference" in str(result.body)
    failed = [line for line in app_logs.lines() if line["msg"] == "turn failed"]
    assert len(failed) == 1
    assert "IntegrityError" in failed[0]["exc"]
    assert failed[0]["incident"] in str(result.body), "the incident links the answer to the log"
    assert MARKER.lower() not in app_logs.text().lower()
