"""The foundation over real HTTP: install, help, profile, invokes, and bad input."""

from __future__ import annotations

import json

from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support.activities import activity, invoke, message, submit

CARD = "application/vnd.microsoft.card.adaptive"


def titles(card: dict) -> list[str]:
    return [a["title"] for a in card.get("actions", [])]


def text_of(card: dict) -> str:
    return json.dumps(card)


async def test_install_sends_one_welcome_and_records_the_member(bot: BotUnderTest) -> None:
    url = bot.connector.url
    status, _ = await bot.post(activity("installation-update-add-personal", url))
    assert status == 201
    status, _ = await bot.post(activity("conversation-update-members-added-personal", url))
    assert status == 201

    cards = bot.connector.cards()
    assert len(cards) == 1, "Teams sends both install events; the member is welcomed once"
    assert "Welcome, Sam Practitioner" in text_of(cards[0])
    assert titles(cards[0]) == ["What can I do?", "My profile"]
    assert bot.count(t.Member) == 1
    assert "member.created" in bot.audit_actions()
    assert "member.welcomed" in bot.audit_actions()


async def test_member_address_is_stored_as_plain_columns(bot: BotUnderTest) -> None:
    await bot.post(message(bot.connector.url, "help"))
    with bot.db.session() as session:
        member = session.query(t.Member).one()
    assert member.service_url == bot.connector.url
    assert member.conversation_id.startswith("a:")
    assert member.address_user_id.startswith("29:")
    assert member.conversation_type == "personal"


async def test_bootstrap_admin_gets_the_admin_role_once(bot: BotUnderTest) -> None:
    await bot.post(message(bot.connector.url, "help"))
    await bot.post(message(bot.connector.url, "help"))
    assert bot.audit_actions().count("member.role_granted") == 1
    assert "Partnership admin" in text_of(bot.connector.cards()[-1])


async def test_help_lists_commands(bot: BotUnderTest) -> None:
    status, _ = await bot.post(message(bot.connector.url, "Help"))
    assert status == 201
    card = bot.connector.cards()[-1]
    assert "What you can do" in text_of(card)
    assert "my profile" in text_of(card)


async def test_expect_replies_answers_in_the_body_with_the_card_as_json(
    bot: BotUnderTest,
) -> None:
    """deliveryMode expectReplies: the replies come back in the HTTP body, through msrest,
    which must get a plain card (not the shared one our own sender takes)."""
    body = {**message(bot.connector.url, "help"), "deliveryMode": "expectReplies"}
    status, payload = await bot.post(body)
    assert status == 200
    [reply] = payload["activities"]
    card = reply["attachments"][0]["content"]
    assert isinstance(card, dict)
    assert card["type"] == "AdaptiveCard"
    assert "What you can do" in json.dumps(card)
    assert bot.connector.cards() == []  # nothing went through the connector


async def test_unknown_text_answers_briefly_not_with_the_whole_help_card(
    bot: BotUnderTest,
) -> None:
    await bot.post(message(bot.connector.url, "what is the weather"))
    assert bot.connector.texts() == [], "one reply: the card says it, no sentence before it"
    assert len(bot.connector.cards()) == 1
    card = text_of(bot.connector.cards()[-1])
    assert "That isn't a command I know" in card
    assert "What you can do" not in card


async def test_a_typo_gets_did_you_mean_with_the_closest_commands(bot: BotUnderTest) -> None:
    await bot.post(message(bot.connector.url, "sumary LOS-2026-001"))
    assert len(bot.connector.sent) == 1, "one reply: the card, no sentence before it"
    card = text_of(bot.connector.cards()[-1])
    assert "Did you mean" in card
    assert "summary LOS-2026-001" in card
    assert "What you can do" not in card


async def test_a_suggestion_is_a_button_that_runs_it_as_typed(bot: BotUnderTest) -> None:
    await bot.post(message(bot.connector.url, "hepl"))
    (action_set,) = [e for e in bot.connector.cards()[-1]["body"] if e["type"] == "ActionSet"]
    (button,) = action_set["actions"]
    assert button["title"] == "help"
    status, body = await bot.post(invoke(bot.connector.url, button["verb"], button["data"]))
    assert status == 200
    assert body["type"] == CARD
    assert "What you can do" in text_of(body["value"])
    # Only what a suggestion could be: a forged button runs nothing more.
    forged = {"command": "cancel review LOS-2026-001 because it was opened twice"}
    status, body = await bot.post(invoke(bot.connector.url, button["verb"], forged))
    assert status == 200
    assert "isn't one I recognise" in body["value"]


async def test_a_note_with_a_childs_details_is_said_not_kept_and_never_repeated(
    bot: BotUnderTest,
) -> None:
    """walk13 H1: a note typed against a review was answered with its summary. Over each
    platform it is said not to be kept; the details in it are named by kind, not repeated."""
    await bot.post(message(bot.connector.url, "please add to LOS-2026-001 NHS 943 476 5919"))
    assert len(bot.connector.sent) == 1, "one reply: the card"
    card = text_of(bot.connector.cards()[-1])
    assert "I haven't kept that message" in card
    assert "Nothing typed in this chat is saved to a review." in card
    assert "It looks as if it holds an NHS number." in card
    assert "943" not in card
    assert "Summary ·" not in card
    bot.connector.clear()
    await bot.post(
        message(bot.connector.url, "note for LOS-2026-001: mum says the child is scared")
    )
    card = text_of(bot.connector.cards()[-1])
    assert "I haven't kept that message" in card
    assert "Teams keeps" not in card
    assert "scared" not in card


async def test_an_instruction_that_is_no_command_never_answers_as_another(
    bot: BotUnderTest,
) -> None:
    # ('cancel review' and 'assign' are commands of their own now: the review's controls.)
    # Walk8: a misspelt or worded legal hold opened the review's summary without a word.
    for text in (
        "approve LOS-2026-001",
        "extend LOS-2026-001",
        "delete review LOS-2026-001",
        "legal hlod LOS-2026-001",
        "hold LOS-2026-001",
        "place legal hold on LOS-2026-001",
    ):
        bot.connector.clear()
        await bot.post(message(bot.connector.url, text))
        card = text_of(bot.connector.cards()[-1])
        assert "Did you mean" in card or "That isn't a command I know" in card, text
        assert "Summary ·" not in card, text
    # A command that takes nothing, typed with a review: not run as if the review were named.
    # (`continue` takes one now: "continue LOS-2026-001" opens that review's return.)
    bot.connector.clear()
    await bot.post(message(bot.connector.url, "my actions LOS-2026-001"))
    assert "Did you mean" in text_of(bot.connector.cards()[-1])


async def test_channel_mention_is_stripped(bot: BotUnderTest) -> None:
    body = activity(
        "message-channel-mention", bot.connector.url, text="<at>Line of Sight</at> help"
    )
    status, _ = await bot.post(body)
    assert status == 201
    assert "What you can do" in text_of(bot.connector.cards()[-1])


async def test_universal_action_invoke_returns_the_card_in_the_http_body(
    bot: BotUnderTest,
) -> None:
    # botbuilder 4.17's CloudAdapter.process() answers 500 here; our route must not.
    status, body = await bot.post(invoke(bot.connector.url, "profile"))
    assert status == 200
    assert body["statusCode"] == 200
    assert body["type"] == CARD
    assert "Your profile" in text_of(body["value"])
    assert bot.connector.sent == [], "an invoke answers in the response, not by sending"


async def test_action_submit_fallback_reaches_the_same_handler(bot: BotUnderTest) -> None:
    status, _ = await bot.post(submit(bot.connector.url, {"verb": "help"}))
    assert status == 201
    assert "What you can do" in text_of(bot.connector.cards()[-1])


async def test_unknown_verb_answers_with_a_message_and_keeps_the_card(
    bot: BotUnderTest,
) -> None:
    status, body = await bot.post(invoke(bot.connector.url, "no_such_verb"))
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "isn't one I recognise" in body["value"]


async def test_wrongly_typed_card_data_gets_a_clear_answer(bot: BotUnderTest) -> None:
    for verb, data in [(123, {}), (None, []), ("help", "not an object"), (["x"], {"a": 1})]:
        status, body = await bot.post(invoke(bot.connector.url, verb, data))
        assert status == 200, (verb, data)
        assert body["statusCode"] == 200
    for value in [["a"], "text", {"verb": {"nested": True}}]:
        status, _ = await bot.post(submit(bot.connector.url, value))
        assert status == 201


async def test_oversized_text_is_refused_and_changes_nothing(bot: BotUnderTest) -> None:
    status, _ = await bot.post(message(bot.connector.url, "x" * 10_001))
    assert status == 201
    assert "the limit is 10,000" in text_of(bot.connector.cards()[-1])
    assert bot.count(t.Member) == 0
    assert bot.count(t.AuditEvent) == 0


async def test_malformed_http_is_a_4xx_and_changes_nothing(bot: BotUnderTest) -> None:
    url = bot.server.make_url("/api/messages")
    async with bot.http.post(
        url, data="{not json", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400
    async with bot.http.post(url, data="hello", headers={"Content-Type": "text/plain"}) as response:
        assert response.status == 415
    for body in ([1, 2], {"hello": "world"}, {"type": "message"}, {"type": 5}):
        status, _ = await bot.post(body)
        assert status == 400, body
    async with bot.http.post(
        url, data=b"{" + b" " * 300_000 + b"}", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 413
    assert bot.count(t.Member) == 0


async def test_unknown_activity_type_is_accepted_and_ignored(bot: BotUnderTest) -> None:
    status, _ = await bot.post(activity("message-text-personal", bot.connector.url, type="typing"))
    assert status == 201
    assert bot.connector.sent == []
    assert bot.count(t.Member) == 0


async def test_other_tenants_get_no_reply_and_touch_nothing(bot: BotUnderTest) -> None:
    body = message(bot.connector.url, "help")
    body["channelData"]["tenant"]["id"] = "11111111-2222-3333-4444-555555555555"
    body["conversation"]["tenantId"] = "11111111-2222-3333-4444-555555555555"
    status, _ = await bot.post(body)
    assert status == 403
    assert bot.connector.sent == []
    assert bot.count(t.Member) == 0
    assert bot.count(t.Partnership) == 0


async def test_health_and_readiness(bot: BotUnderTest) -> None:
    async with bot.http.get(bot.server.make_url("/healthz")) as response:
        assert response.status == 200
    async with bot.http.get(bot.server.make_url("/readyz")) as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ready"
