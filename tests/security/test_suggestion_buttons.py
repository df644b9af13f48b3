"""A "did you mean" button (`run_command`) runs a command as typed, so forged card data could
name any command. It runs only read-only ones (`domain.commands.READ_ONLY_COMMANDS`): a
forged button naming one that changes what is kept is refused, for the very person who could
type it, and nothing in the database changes."""

from __future__ import annotations

import json

from sqlalchemy import select

from cards import verbs
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support.audited import differences, snapshot
from tests.support.journey import journey_on, published

UNKNOWN_BUTTON = "That button isn't one I recognise"


async def test_a_forged_suggestion_naming_a_state_changing_command_is_refused(
    bot: BotUnderTest,
) -> None:
    j = await journey_on(bot)
    [item] = await published(j)  # the chair (the journey's admin) has not opened its guide
    with bot.db.session() as session:
        reference = session.scalars(
            select(t.Review.reference).where(t.Review.id == item.review_id)
        ).one()
    before = snapshot(bot.db.engine)
    for forged in (
        f"guide {reference}",  # its chair's first open drafts the briefing
        f"export {reference}",  # makes a file
        f"cancel review {reference} because it was opened twice",
        f"cancel review {reference}",
        f"reopen review {reference}",
        "register channel partnership",
        "register channel",
    ):
        refused = json.dumps(await j.act(verbs.RUN_COMMAND, {"command": forged}))
        assert UNKNOWN_BUTTON in refused, forged
    assert differences(before, snapshot(bot.db.engine)) == []
    assert j.rows(t.SevenMinuteGuide) == []
    # A read-only suggestion still runs; and the same person typing the command is answered,
    # so the refusal above is the button's rule, not theirs.
    card = await j.card(verbs.RUN_COMMAND, {"command": f"summary {reference}"})
    assert reference in card
    await j.say(f"guide {reference}")
    assert len(j.rows(t.SevenMinuteGuide)) == 1
