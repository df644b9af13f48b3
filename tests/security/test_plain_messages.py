"""Plain bot messages are inert too (issue 15, part 2): a text reply, and the "message" answer
a click gets when it is refused, quote what people typed (an agency's name, a reference) and
Teams renders their text as Markdown. Each leaves the bot through one escaping path
(bot/core.py `inert_text`, cards.common.message_text), checked with hostile text over HTTP and
at that step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.core import default_middleware, inert_text
from bot.router import Reply
from cards import verbs
from cards.common import message_text
from domain.display import shown
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.security.test_hostile_text import AGENCY, HOSTILE, assert_inert
from tests.support.journey import PRACTITIONER, journey_on, submitted_return
from tests.support.markdown import as_typed

MESSAGE = "application/vnd.microsoft.activity.message"


async def answered(reply: Reply) -> Reply:
    """`reply` as the core hands it to an edge (bot/core.py `inert_text`, outermost)."""

    async def handler() -> Reply:
        return reply

    out = await inert_text(None, handler)  # type: ignore[arg-type]  # the step isn't read
    assert out is not None
    return out


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_a_refused_click_s_message_shows_typed_text_inert_and_as_typed(hostile: str) -> None:
    said = f"The {hostile} return can't be changed from this card."
    value = (await answered(Reply(None, said, error=True))).text
    assert value is not None
    assert_inert(value)
    assert as_typed(value) == as_shown(said)


@pytest.mark.parametrize("hostile", HOSTILE)
async def test_a_text_reply_shows_typed_text_inert(hostile: str) -> None:
    text = (await answered(Reply(text=f"Saved {hostile}."))).text
    assert text is not None
    assert_inert(text)
    assert as_typed(text) == as_shown(f"Saved {hostile}.")
    assert message_text(text) == text, "escaping twice (a replayed click) changes nothing"


def as_shown(said: str) -> str:
    """What a reader should see: the text as typed, less bidi controls and invisible
    characters (domain.display.shown), with one kind of line end."""
    return shown(said).replace("\r\n", "\n").replace("\r", "\n")


def test_every_edge_gets_replies_through_the_escaping_step() -> None:
    services: Any = object()
    assert default_middleware(services)[0] is inert_text, "outermost: nothing bypasses it"


async def test_an_agency_name_in_a_refusal_reaches_the_practitioner_inert(
    bot: BotUnderTest,
) -> None:
    """An admin named the agency; a practitioner's click on its submitted return is refused,
    and the refusal names the agency."""
    j = await journey_on(bot)
    return_id = await submitted_return(j)
    with j.bot.db.session() as session, session.begin():
        police = session.scalars(select(t.Agency).where(t.Agency.name == "Demo Police")).one()
        police.name = AGENCY
    data = {"return_id": return_id, "section": 0}
    reply = await j.act(verbs.RETURN_SAVE, data, PRACTITIONER)
    assert reply["type"] == MESSAGE, reply
    value = reply["value"]
    assert as_typed(AGENCY) in as_typed(value), "the agency is named, as typed"
    assert_inert(value)
