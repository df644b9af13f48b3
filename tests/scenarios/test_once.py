"""Once per delivery over HTTP: the same activity delivered twice (Teams retries a message or
an invoke it saw no answer to) is handled once, on each platform's edge. The rest of "once"
(double clicks, tokens, kept answers, slow saves) is behaviour: tests/behaviour/test_once.py."""

from __future__ import annotations

import asyncio

from cards import verbs
from storage import tables as t
from tests.support.activities import USER_AAD, as_user, invoke, message
from tests.support.journey import Journey, creation_data


async def test_an_activity_delivered_twice_is_handled_once(journey_each: Journey) -> None:
    j = journey_each
    j.bot.connector.clear()
    body = as_user(message(j.bot.connector.url, "new review"), USER_AAD, name="Review Chair")
    for _ in range(2):
        status, _ = await j.bot.post(body)
        assert status == 201
    assert len(j.bot.connector.cards()) == 1

    # An invoke without a token (a card from before tokens): once per delivery, too.
    data = {k: v for k, v in creation_data(j).items() if k != "card_id"}
    retried = as_user(invoke(j.bot.connector.url, verbs.REVIEW_CREATE, data), USER_AAD)
    answers = await asyncio.gather(j.bot.post(retried), j.bot.post(retried))
    assert answers[0] == answers[1]
    assert len(j.rows(t.Review)) == 1
    # A new activity with the same handmade data is a new click.
    await j.act(verbs.REVIEW_CREATE, data)
    assert len(j.rows(t.Review)) == 2
