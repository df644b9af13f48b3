"""Who records that their team used a published 7-minute briefing, over HTTP on both databases.

One rule (`domain.reviews.may_read_published_briefing`): anyone who may see the review, the
LIC group, and anyone clicking in the partnership channel, where each published briefing is
posted for every team. Everyone else, from their own chat or another channel, is told what
they would be told of a review they can't see, the same words as for a review that doesn't
exist, and nothing is recorded.
"""

from __future__ import annotations

import json

from cards import verbs
from domain import guide, meeting
from domain.meeting import NO_SUCH_REVIEW
from storage import tables as t
from tests.support.journey import (
    OUTSIDER,
    PARTNERSHIP_CHANNEL,
    PRACTITIONER,
    Journey,
    in_channel,
    person,
    published,
    published_guide,
    register_lic_channel,
)

OTHER_CHANNEL = "19:some-other-team@thread.tacv2"
NO_ROLE = "66666666-6666-4666-8666-666666666666"
USAGE = {"team": "Locality North", "used_on": "2026-11-20", "staff_count": "12"}


async def test_only_those_who_may_read_the_briefing_record_its_use(journey_each: Journey) -> None:
    j = journey_each
    await j.say("help", NO_ROLE)  # a partnership member with no role
    await register_lic_channel(j, "partnership", PARTNERSHIP_CHANNEL)
    [item] = await published(j)
    review_id = int(item.review_id)
    await published_guide(j, review_id)
    [posted] = [c for c in map(json.dumps, j.bot.connector.cards()) if "New 7-minute" in c]
    assert verbs.GUIDE_USAGE_FORM in posted

    # From their own chat: the no-role member and another agency's practitioner (Health isn't
    # on this review) are refused as for a review they can't see, as for one that isn't there.
    for aad in (NO_ROLE, OUTSIDER):
        for verb in (verbs.GUIDE_USAGE_FORM, verbs.GUIDE_USAGE_SAVE):
            for shown in (review_id, review_id + 1000):
                refused = json.dumps(await j.act(verb, {"review_id": shown, **USAGE}, aad))
                assert NO_SUCH_REVIEW in refused, (aad, verb, shown)
                assert "LOS-" not in refused, "nothing of the review"
        # Nor from a channel that isn't the partnership's.
        refused = json.dumps(
            await in_channel(
                j, aad, OTHER_CHANNEL, verbs.GUIDE_USAGE_SAVE, {"review_id": review_id, **USAGE}
            )
        )
        assert NO_SUCH_REVIEW in refused
    assert j.rows(t.DisseminationReturn) == []

    # From the partnership channel's post, anyone there records it: the card they get back is
    # the published version they used, with none of the chair's buttons.
    form = json.dumps(
        await in_channel(
            j, NO_ROLE, PARTNERSHIP_CHANNEL, verbs.GUIDE_USAGE_FORM, {"review_id": review_id}
        )
    )
    assert verbs.GUIDE_USAGE_SAVE in form
    card = json.dumps(
        await in_channel(
            j,
            NO_ROLE,
            PARTNERSHIP_CHANNEL,
            verbs.GUIDE_USAGE_SAVE,
            {"review_id": review_id, **USAGE},
        )
    )
    assert "Recorded. 1 team has now used this briefing." in card
    assert "7-minute briefing" in card
    assert verbs.GUIDE_REVISE not in card
    assert verbs.GUIDE_SAVE not in card
    # The same rule opens it there ("Back to the briefing"), and nowhere else for them.
    card = json.dumps(
        await in_channel(j, NO_ROLE, PARTNERSHIP_CHANNEL, verbs.GUIDE, {"review_id": review_id})
    )
    assert verbs.GUIDE_USAGE_FORM in card
    assert verbs.GUIDE_REVISE not in card
    refused = json.dumps(await j.act(verbs.GUIDE, {"review_id": review_id}, NO_ROLE))
    assert NO_SUCH_REVIEW in refused
    # ...but only a briefing that is published: a forged id there learns nothing either.
    refused = json.dumps(
        await in_channel(
            j,
            NO_ROLE,
            PARTNERSHIP_CHANNEL,
            verbs.GUIDE_USAGE_SAVE,
            {"review_id": review_id + 1000, **USAGE},
        )
    )
    assert NO_SUCH_REVIEW in refused

    # Someone on the review records it from their own chat, and gets the card they may see.
    card = await j.card(verbs.GUIDE_USAGE_SAVE, {"review_id": review_id, **USAGE}, PRACTITIONER)
    assert "Recorded. 2 teams have now used this briefing." in card
    assert len(j.rows(t.DisseminationReturn)) == 2


async def typed_in(j: Journey, aad: str, channel: str | None, text: str) -> str:
    """A typed `guide …`: @mentioning the bot in a team channel, or in the person's own chat."""
    if channel is None:
        return json.dumps((await j.say(text, aad)).sent, ensure_ascii=False)
    body = person(aad).says(j.bot.connector.url, text, channel=True)
    body["conversation"]["id"] = f"{channel};messageid=1700000000000"
    result = await j.turn(body)
    assert result.status == 201, result.body
    return json.dumps(result.sent, ensure_ascii=False)


async def test_the_printed_instruction_works_for_a_reader_with_no_sight_of_the_review(
    journey_each: Journey,
) -> None:
    """The printed briefing tells every team to mention the bot with `guide LOS-…` in the
    partnership channel: typed there, it opens a published briefing by the rule clicking
    there follows. In their own chat or another channel, they are told what anyone is told
    of a review they can't see, with where a published briefing is read; a review whose
    briefing isn't published is never found in the channel either."""
    j = journey_each
    await j.say("help", NO_ROLE)
    await register_lic_channel(j, "partnership", PARTNERSHIP_CHANNEL)
    [item] = await published(j)
    review_id = int(item.review_id)
    [reference] = [r.reference for r in j.rows(t.Review) if r.id == review_id]
    command = f"guide {reference}"
    guide_text = guide.dissemination_return(reference)
    assert f"in the partnership channel, mention Line of Sight with {command}" in guide_text

    # Not published yet: nobody without sight finds it, anywhere.
    for channel in (PARTNERSHIP_CHANNEL, OTHER_CHANNEL, None):
        said = await typed_in(j, NO_ROLE, channel, command)
        assert "can't find a review called" in said, (channel, said[:400])
        assert verbs.GUIDE_USAGE_FORM not in said

    await published_guide(j, review_id)
    said = await typed_in(j, NO_ROLE, PARTNERSHIP_CHANNEL, command)
    assert verbs.GUIDE_USAGE_FORM in said, "they can record their team's use from here"
    assert verbs.GUIDE_REVISE not in said
    assert verbs.GUIDE_SAVE not in said
    for aad, channel in ((NO_ROLE, OTHER_CHANNEL), (NO_ROLE, None), (OUTSIDER, None)):
        said = await typed_in(j, aad, channel, command)
        assert verbs.GUIDE_USAGE_FORM not in said, (aad, channel)
        assert meeting.GUIDE_IN_CHANNEL in said, "told where a published briefing is read"
    # The same words for a review that doesn't exist: nothing is learnt by asking.
    missing = await typed_in(j, NO_ROLE, None, "guide LOS-2026-999")
    assert meeting.GUIDE_IN_CHANNEL in missing
