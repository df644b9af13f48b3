"""Issue 17, "one clock": every record a turn stamps takes the services clock, so moving it (the
local-mode clock hook, or a test) gives records that agree with each other and with the
chasers. Here the clock is set to half past eleven at night, UTC, on 30 June: already 1 July
in London, the day a partnership would say it happened."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.app import SERVICES
from cards import verbs
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.journey import PRACTITIONER, Journey, published

MOMENT = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
LONDON_DAY = date(2026, 7, 1)


def near(stamp: datetime | None) -> bool:
    """Within the few seconds the turns take: stamped by the moved clock, not the wall's."""
    assert stamp is not None
    moment = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return abs(moment - MOMENT) < timedelta(minutes=5)


async def test_every_record_of_the_journey_takes_the_services_clock(journey_each: Journey) -> None:
    j = journey_each
    j.bot.app[SERVICES].clock.set(MOMENT)
    [item] = await published(j)
    [ret] = j.rows(t.PreAnalysisReturn)
    assert near(ret.submitted_at)
    assert near(ret.signed_off_at)
    assert near(ret.status_changed_at), "the return's moves take the turn's clock too"
    [outcome] = j.rows(t.MeetingOutcome)
    assert near(outcome.published_at)

    await j.act(verbs.ACTION_PROGRESS, {"action_id": item.id, "note": "Started"}, PRACTITIONER)
    evidence = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    await j.act(verbs.ACTION_COMPLETE, evidence, PRACTITIONER)
    with j.bot.db.session() as session, session.begin():
        chair = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        session.add(t.MemberRole(member_id=chair.id, role="lic_member"))
    impact = {
        "action_id": item.id,
        "how_much": "20 audited",
        "how_well": "All in time",
        "better_off": "Yes",
        "decision": "close",
    }
    card = await j.card(verbs.IMPACT_RECORD, impact)
    assert "Impact recorded" in card

    [closed] = j.rows(t.ActionItem)
    assert near(closed.completed_at)
    assert near(closed.closed_at)
    assert near(closed.status_changed_at)
    assert all(near(entry.at) for entry in j.rows(t.ProgressEntry))
    [record] = j.rows(t.ImpactRecord)
    assert near(record.recorded_at)
    [review] = j.rows(t.Review)
    assert review.stage == "closed"
    assert review.closed_on == LONDON_DAY, "the day it closed where the partnership is"

    # A month on, the summary's clock still stops the day the review closed.
    j.bot.app[SERVICES].clock.set(MOMENT + timedelta(days=30))
    j.bot.connector.clear()
    await j.say(f"summary {review.reference}")
    assert "until it closed on Wed 1 Jul 2026" in json.dumps(j.bot.connector.cards())
