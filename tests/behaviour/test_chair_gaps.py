"""A review whose chair's access ended with no deputy chair who can act for them: the sweep
sends the chair's part to the admins, or with no admin to nobody (it only logged that). The
dashboard and the review's summary now say so to those who see the whole partnership, with the
way on: an admin opens the review's Manage card and names a deputy chair."""

from __future__ import annotations

import json

from sqlalchemy import delete
from sqlmodel import col

from bot.core import BESIDE
from cards import verbs
from storage import tables as t
from tests.behaviour.test_access_ended import end_access, member_id
from tests.support.activities import USER_AAD
from tests.support.chasers import DEPUTY, with_deputy
from tests.support.journey import (
    COLLEAGUE,
    MESSAGE,
    PRACTITIONER,
    Journey,
    button_data,
    make_lic_member,
    open_review,
)


async def _chair_left(j: Journey) -> t.Review:
    """The review chaired by a second chair, whose access the admin (USER_AAD) then ends."""
    review_id, _ = await open_review(j)
    await with_deputy(j)
    with j.bot.db.session() as session, session.begin():
        review = session.get_one(t.Review, review_id)
        review.chair_member_id = member_id(j, DEPUTY)
        review.deputy_chair_member_id = None
    await end_access(j, DEPUTY)
    return next(r for r in j.rows(t.Review) if r.id == review_id)


async def _dashboard(j: Journey, aad: str = USER_AAD) -> tuple[str, dict[str, object]]:
    j.bot.connector.clear()
    await j.say("dashboard", aad)
    card = j.bot.connector.cards()[-1]
    return json.dumps(card, ensure_ascii=False), card


async def test_an_admin_is_shown_the_review_and_names_a_deputy_from_it(
    journey_each: Journey,
) -> None:
    j = journey_each
    review = await _chair_left(j)
    text, card = await _dashboard(j)
    assert "Reviews whose chair has left (1)" in text
    assert f"**{review.reference}** Child K" in text
    assert "The chair, Someone Else, no longer has access to Line of Sight" in text
    assert "go to the partnership's admins" in text
    data = button_data(card, verbs.REVIEW_MANAGE)
    assert data["review_id"] == review.id

    # The button opens the review's Manage card (beside the dashboard), its Deputy chair form.
    opened = await j.act(verbs.REVIEW_MANAGE, data)
    assert (opened["type"], opened["value"]) == (MESSAGE, BESIDE)
    [manage] = j.bot.connector.cards()[-1:]
    assert f"Manage {review.reference}" in json.dumps(manage)
    deputy = button_data(manage, verbs.REVIEW_DEPUTY)
    saved = await j.card(verbs.REVIEW_DEPUTY, {**deputy, "deputy": str(member_id(j, USER_AAD))})
    assert "Deputy chair saved." in saved

    # The deputy now reads the chair's part: the dashboard no longer names it.
    text, _ = await _dashboard(j)
    assert "chair has left" not in text


async def test_the_summary_says_it_and_offers_its_controls(journey_each: Journey) -> None:
    j = journey_each
    review = await _chair_left(j)
    summary = await j.card(verbs.SUMMARY, {"review_id": review.id})
    assert "The chair's access ended: no deputy chair" in summary
    assert "Name a deputy chair (Manage, then Deputy chair)" in summary
    assert verbs.REVIEW_MANAGE in summary
    # A practitioner on the review can do nothing about it: not shown it.
    mine = await j.card(verbs.SUMMARY, {"review_id": review.id}, PRACTITIONER)
    assert "no longer has access" not in mine
    text, _ = await _dashboard(j, PRACTITIONER)
    assert "chair has left" not in text


async def test_with_no_admin_either_nobody_can_act_and_the_dashboard_says_who_can_help(
    journey_each: Journey,
) -> None:
    """The dead end the sweep only logged: the chair left, no deputy, no admin. (The journey's
    admin is one by the server's settings, made one again whenever they speak: the LIC member
    looks.)"""
    j = journey_each
    review = await _chair_left(j)
    make_lic_member(j, COLLEAGUE)  # sees the whole partnership
    with j.bot.db.session() as session, session.begin():
        session.execute(delete(t.MemberRole).where(col(t.MemberRole.role) == "admin"))
    text, _ = await _dashboard(j, COLLEAGUE)
    assert "Nobody can act for the chair" in text
    assert "meant for the chair reach nobody" in text
    assert "make someone an admin (the ADMIN_AAD_IDS setting)" in text
    assert f"manage {review.reference}" in text
    assert verbs.REVIEW_MANAGE not in text, "no button a non-admin would be refused"
    summary = await j.card(verbs.SUMMARY, {"review_id": review.id}, COLLEAGUE)
    assert "Nobody can act for the chair" in summary
