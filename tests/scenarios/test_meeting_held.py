"""Issue 17, "one counting basis" (SQLite and PostgreSQL): the outcome records the day the
meeting was held; its action items are agreed on that day; the dashboard counts the review and
its actions in that day's period, and says so."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import SERVICES
from cards import verbs
from domain.phrasing import quarter
from domain.summaries import DASHBOARD_BASIS
from domain.wording import short_date
from storage import tables as t
from tests.support.journey import Journey, good_action, police_id, signed_off_review


def quarter_key(day: date) -> str:
    return quarter(day.year, (day.month - 1) // 3 + 1).key


async def test_the_outcome_records_the_day_the_meeting_was_held(journey_each: Journey) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    opened = j.rows(t.Review)[0].opened_on
    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    services = j.bot.app[SERVICES]
    services.clock.set(services.now() + timedelta(days=100))  # the meeting was a while ago
    today = services.today()
    outcome = {"review_id": review_id, "agreed_themes": "neglect"}
    for held, refusal in (
        ("", "Give the date the meeting was held"),
        ("not a date", "Give the date the meeting was held"),
        ((today + timedelta(days=1)).isoformat(), "can't be in the future"),
        ((opened - timedelta(days=1)).isoformat(), f"the review opened ({short_date(opened)})"),
    ):
        card = await j.card(verbs.OUTCOME_PUBLISH, {**outcome, "held_on": held})
        assert refusal in card
        assert j.rows(t.ActionItem) == [], "nothing is published with a bad meeting date"

    held = opened + timedelta(days=95)
    card = await j.card(verbs.OUTCOME_PUBLISH, {**outcome, "held_on": held.isoformat()})

    assert "Outcome published" in card
    shown = await j.card(verbs.OUTCOME, {"review_id": review_id})
    assert "meeting held" in shown
    assert "Date the meeting was held" not in shown, "published: no longer an input"
    [record] = j.rows(t.MeetingOutcome)
    assert record.meeting_on == held
    [item] = j.rows(t.ActionItem)
    assert item.agreed_on == held, "agreed at the meeting, counted in its period"

    board = await j.card(verbs.DASHBOARD, {"agency": "all", "period": quarter_key(held)})
    assert DASHBOARD_BASIS in board
    assert "Reviews by stage (1)" in board
    # 95 days on is always a later quarter (none is longer than 92 days), so the quarter the
    # review opened in is a different period, where it must not be counted.
    assert quarter_key(opened) != quarter_key(held)
    earlier = await j.card(verbs.DASHBOARD, {"agency": "all", "period": quarter_key(opened)})
    assert "Reviews by stage (0)" in earlier, "counted where the meeting was, not the opening"


async def test_a_card_drawn_before_the_date_was_asked_keeps_what_it_would_offer(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    await j.act(verbs.OUTCOME_PUBLISH, {"review_id": review_id, "agreed_themes": "neglect"})
    [record] = j.rows(t.MeetingOutcome)
    # The planned meeting (2099) hasn't come, so the card offered today: the day it was recorded.
    assert record.meeting_on == j.bot.app[SERVICES].today()
    assert record.published_at is not None


async def test_a_refused_date_keeps_what_was_typed(journey_each: Journey) -> None:
    j = journey_each
    review_id = await signed_off_review(j)
    future = (j.bot.app[SERVICES].today() + timedelta(days=3)).isoformat()
    typed = {
        "review_id": review_id,
        "agreed_themes": "neglect,professional_curiosity",
        "attendees_0": "Detective sergeant, response officer",
        "learning_needs": "See and speak to the child at every call-out",
        "held_on": future,
    }
    card = await j.card(verbs.OUTCOME_SAVE, typed)
    assert "can't be in the future" in card
    for value in (typed["attendees_0"], typed["learning_needs"], future):
        assert value in card, f"{value!r} was lost"
    assert '"value": "neglect,professional_curiosity"' in card, "the themes as chosen"


async def test_publishing_tells_the_chair_who_teams_did_not_reach(journey_each: Journey) -> None:
    """Walk finding: "contributors have heard what was agreed" when every send to them had
    failed. The chair is told only what Teams took, and who to tell another way."""
    j = journey_each
    review_id = await signed_off_review(j)
    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    today = j.bot.app[SERVICES].today()
    for _ in range(40):  # every send refused for good (the user blocked the bot)
        j.bot.connector.fail_next(403)
    outcome = {"review_id": review_id, "agreed_themes": "neglect", "held_on": today.isoformat()}
    card = await j.card(verbs.OUTCOME_PUBLISH, outcome)
    j.bot.connector.failures.clear()
    assert "Outcome published" in card
    assert "Each owner has their action card" not in card
    assert "Contributors have heard" not in card
    assert "0 of 1 action card reached their owners." in card
    assert "heard what was agreed" in card
    assert "so they haven't heard what was agreed: please tell them yourself." in card
    assert "Please pass their action on to them." in card
    assert len(j.rows(t.ActionItem)) == 1, "published all the same: the sends are what failed"
