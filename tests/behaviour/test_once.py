"""One effect per click: the same click twice, at once and in turn, on both databases, has
one effect and gets one answer (an activity delivered twice, handled once, is the edge's:
tests/scenarios/test_once.py)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import SERVICES
from cards import verbs
from domain import idempotency, retention, returns
from domain.idempotency import DONE_BEFORE_MESSAGE
from storage import tables as t
from storage.claims import SqlClaims
from tests.support.activities import USER_AAD, activity
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    MESSAGE,
    PRACTITIONER,
    Journey,
    button_data,
    creation_data,
    open_review,
    person,
)

CARD = "application/vnd.microsoft.card.adaptive"


async def twice_at_once(j: Journey, verb: str, data: dict[str, Any], aad: str) -> list[Any]:
    first, second = await asyncio.gather(j.act(verb, data, aad), j.act(verb, data, aad))
    return [first, second]


async def test_a_double_click_on_create_makes_one_review(journey_each: Journey) -> None:
    j = journey_each
    await j.say("new review")
    data = creation_data(j)
    assert data.get("card_id"), "the creation card's Create button carries its card's id"

    replies = await twice_at_once(j, verbs.REVIEW_CREATE, data, USER_AAD)

    assert len(j.rows(t.Review)) == 1
    assert replies[0] == replies[1]
    assert replies[0]["type"] == CARD
    assert "LOS-" in str(replies[0]["value"])
    # And once more, later: the same answer, still one review.
    again = await j.act(verbs.REVIEW_CREATE, data)
    assert again == replies[0]
    assert len(j.rows(t.Review)) == 1
    assert [r.reference for r in j.rows(t.Review)] == [j.rows(t.Review)[0].reference]


async def test_a_late_duplicate_is_told_it_was_done_once_its_reply_is_gone(
    journey_each: Journey,
) -> None:
    """After a day the stored reply (a card quoting what was typed) goes; the claim's key
    stays, so the same click still changes nothing, and says so."""
    j = journey_each
    await j.say("new review")
    data = creation_data(j)
    first = await j.act(verbs.REVIEW_CREATE, data)
    assert "LOS-" in str(first["value"])
    later = datetime.now(UTC) + timedelta(days=retention.REPLY_DAYS, hours=1)
    partnership = j.rows(t.Partnership)[0].id
    report = j.bot.db.transaction(lambda uow: retention.run(uow, partnership, later, dry_run=False))
    assert report.deleted.get("idempotency_reply", 0) >= 1
    assert all(r.reply is None for r in j.rows(t.IdempotencyRecord) if r.state == "spent")

    again = await j.act(verbs.REVIEW_CREATE, data)
    assert again["value"] == DONE_BEFORE_MESSAGE
    assert len(j.rows(t.Review)) == 1


async def test_a_clicks_stored_key_does_not_reveal_what_was_typed(journey_each: Journey) -> None:
    """The key is kept 30 days, longer than what was typed: it is keyed with the deployment's
    secret, so trying likely answers against it finds nothing without that secret, while the
    same click again still finds its claim."""
    j = journey_each
    await j.say("new review")
    data = creation_data(j)
    await j.act(verbs.REVIEW_CREATE, data)
    stored = {r.token for r in j.rows(t.IdempotencyRecord) if r.token.startswith("click:")}
    canonical = json.dumps({"verb": verbs.REVIEW_CREATE, "data": data}, sort_keys=True)
    plain = "click:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert plain not in stored
    secret = j.bot.app[SERVICES].settings.click_secret
    assert idempotency.click_key(verbs.REVIEW_CREATE, data, secret) in stored
    assert idempotency.click_key(verbs.REVIEW_CREATE, data, b"another deployment") not in stored


async def test_a_second_creation_card_makes_a_second_review(journey_each: Journey) -> None:
    """The token is per card: two creation cards are two reviews, as meant."""
    j = journey_each
    for _ in range(2):
        await j.say("new review")
        await j.act(verbs.REVIEW_CREATE, creation_data(j))
    assert len(j.rows(t.Review)) == 2


async def _entry_form(j: Journey, return_id: int) -> dict[str, Any]:
    reply = await j.act(verbs.ENTRY_FORM, {"return_id": return_id}, PRACTITIONER)
    assert reply["type"] == CARD
    form: dict[str, Any] = reply["value"]
    return {
        **button_data(form, verbs.ENTRY_SAVE),
        "event_date": "2025-01-10",
        "source": "school log",
        "event": "School raised concern about attendance",
        "themes": "neglect",
    }


async def test_a_double_click_on_save_entry_saves_one_entry(journey_each: Journey) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    data = await _entry_form(j, return_id)
    assert data.get("card_id")

    replies = await twice_at_once(j, verbs.ENTRY_SAVE, data, PRACTITIONER)

    assert len(j.rows(t.ChronologyEntry)) == 1
    assert replies[0] == replies[1]
    again = await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    assert again == replies[0]
    assert len(j.rows(t.ChronologyEntry)) == 1
    # A new form is a new entry.
    await j.act(verbs.ENTRY_SAVE, await _entry_form(j, return_id), PRACTITIONER)
    assert len(j.rows(t.ChronologyEntry)) == 2


async def test_a_corrected_form_from_the_same_card_is_looked_at_again(
    journey_each: Journey,
) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    data = await _entry_form(j, return_id)
    refused = await j.act(verbs.ENTRY_SAVE, {**data, "event": ""}, PRACTITIONER)
    assert "required" in str(refused["value"]).lower() or "event" in str(refused["value"])
    assert j.rows(t.ChronologyEntry) == []
    await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    assert len(j.rows(t.ChronologyEntry)) == 1


async def test_a_token_replayed_by_someone_else_is_refused(journey_each: Journey) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    data = await _entry_form(j, return_id)
    await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    stolen = await j.act(verbs.ENTRY_SAVE, data, USER_AAD)
    assert stolen["type"] != CARD
    assert "someone else" in stolen["value"]
    assert len(j.rows(t.ChronologyEntry)) == 1


async def test_a_card_for_a_removed_entry_says_it_is_gone(journey_each: Journey) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    saved = await j.act(verbs.ENTRY_SAVE, await _entry_form(j, return_id), PRACTITIONER)
    chronology = saved["value"]
    again = await j.act(verbs.CHRONOLOGY, {"return_id": return_id}, PRACTITIONER)
    remove = button_data(chronology, verbs.ENTRY_REMOVE)
    await j.act(verbs.ENTRY_REMOVE, remove, PRACTITIONER)
    assert j.rows(t.ChronologyEntry) == []

    # The same entry's Remove on another card of the chronology, drawn before it went.
    gone = await j.act(verbs.ENTRY_REMOVE, button_data(again["value"], verbs.ENTRY_REMOVE))
    assert "has been removed" in str(gone["value"]) or "can't find" in str(gone["value"])
    stale = await j.act(
        verbs.ENTRY_REMOVE, button_data(again["value"], verbs.ENTRY_REMOVE), PRACTITIONER
    )
    assert "has been removed" in str(stale["value"])
    assert j.rows(t.ChronologyEntry) == []


async def test_an_older_edit_form_does_not_overwrite_a_newer_edit(journey_each: Journey) -> None:
    j = journey_each
    _, return_id = await open_review(j)
    await j.act(verbs.ENTRY_SAVE, await _entry_form(j, return_id), PRACTITIONER)
    [entry] = j.rows(t.ChronologyEntry)
    opened = {"return_id": return_id, "entry_id": entry.id}
    older = (await j.act(verbs.ENTRY_FORM, opened, PRACTITIONER))["value"]
    newer = (await j.act(verbs.ENTRY_FORM, opened, PRACTITIONER))["value"]
    fields = {
        "event_date": "2025-01-10",
        "source": "school log",
        "themes": "neglect",
    }
    newer_edit = {**button_data(newer, verbs.ENTRY_SAVE), **fields, "event": "Newer words"}
    await j.act(verbs.ENTRY_SAVE, newer_edit, PRACTITIONER)

    older_edit = {**button_data(older, verbs.ENTRY_SAVE), **fields, "event": "Older words"}
    reply = await j.act(verbs.ENTRY_SAVE, older_edit, PRACTITIONER)

    assert "changed since you opened it" in json.dumps(reply)
    assert "Newer words" in json.dumps(reply), "answered with the entry as it is now"
    assert [e.event for e in j.rows(t.ChronologyEntry)] == ["Newer words"]


async def _section_click(j: Journey, team: str) -> dict[str, Any]:
    """Next on the first section of a fresh return, as the practitioner would press it."""
    _, return_id = await open_review(j)
    opened = await j.act(verbs.RETURN_OPEN, {"return_id": return_id}, PRACTITIONER)
    data = {**button_data(opened["value"], verbs.RETURN_NEXT), **valid_answers(BANK.section(0))}
    data["agency_team"] = team
    assert data.get("card_id"), "a section card's buttons carry its card's id"
    return data


def _team_answers(j: Journey) -> list[str]:
    return [a.value for a in j.rows(t.Answer) if a.question_id == "agency_team"]


async def test_a_double_click_on_next_saves_once_and_keeps_its_reply_with_the_save(
    journey_each: Journey,
) -> None:
    """A return's save keeps its reply in the transaction that saves the answers (one commit
    fewer): the duplicate, at once or later, gets that reply and saves nothing more."""
    j = journey_each
    data = await _section_click(j, "Police with school nurse")

    replies = await twice_at_once(j, verbs.RETURN_NEXT, data, PRACTITIONER)

    assert replies[0] == replies[1]
    assert "Section 2 of" in json.dumps(replies[0]["value"])
    assert _team_answers(j) == ["Police with school nurse"]
    [claim] = [r for r in j.rows(t.IdempotencyRecord) if r.verb == verbs.RETURN_NEXT]
    assert claim.state == "done"
    assert claim.reply is not None
    assert claim.reply["card"] == replies[0]["value"]
    again = await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    assert again == replies[0]
    assert _team_answers(j) == ["Police with school nurse"]


async def test_a_save_whose_reply_cannot_be_kept_saves_nothing_and_frees_the_click(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Keeping the reply fails inside the save's transaction: the answers are rolled back with
    it, the claim is released (not left pending), and the same click then works."""
    j = journey_each
    data = await _section_click(j, "Police with school nurse")

    def broken(*_args: Any) -> None:
        raise RuntimeError("the reply could not be kept")

    monkeypatch.setattr(SqlClaims, "complete", broken)
    with caplog.at_level(logging.ERROR, logger="bot.core"):
        failed = await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    assert "Please try again" in json.dumps(failed)
    assert "turn failed" in caplog.text
    assert _team_answers(j) == [], "the save went with the reply"
    assert [r for r in j.rows(t.IdempotencyRecord) if r.verb == verbs.RETURN_NEXT] == []

    monkeypatch.undo()
    saved = await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    assert "Section 2 of" in json.dumps(saved["value"])
    assert _team_answers(j) == ["Police with school nurse"]


async def test_a_duplicate_during_a_slow_save_gets_the_saved_reply(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The duplicate comes while the first click's save is still in its transaction (on
    PostgreSQL, on a database thread, so the duplicate really overlaps it): it waits for the
    reply the save keeps, rather than saving again or being told something went wrong."""
    j = journey_each
    data = await _section_click(j, "Police with school nurse")
    real_save = returns.save_section

    saving = threading.Event()

    def slow_save(*args: Any) -> Any:
        saved = real_save(*args)
        saving.set()
        time.sleep(0.4)  # inside the unit: its transaction stays open meanwhile
        return saved

    monkeypatch.setattr(returns, "save_section", slow_save)
    first = asyncio.create_task(j.act(verbs.RETURN_NEXT, data, PRACTITIONER))
    # Once the first is saving (it came after a fixed 0.15 s, which a loaded machine could
    # reach before the first had claimed: then the "duplicate" was the first).
    assert await asyncio.to_thread(saving.wait, 10)
    duplicate = await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    assert duplicate == await first
    assert "Section 2 of" in json.dumps(duplicate["value"])
    assert _team_answers(j) == ["Police with school nurse"]


def _in_channel(body: dict[str, Any]) -> dict[str, Any]:
    """The same click, sent from a team channel's thread instead of the person's chat."""
    channel = activity("message-channel-mention", "http://unused")
    body["conversation"] = {**channel["conversation"], "tenantId": body["conversation"]["tenantId"]}
    body["channelData"] = {**channel["channelData"], **body.get("channelData", {})}
    return body


async def test_a_kept_answer_is_not_given_in_another_conversation(journey_each: Journey) -> None:
    """A click's kept answer is bound to the conversation it was given in: the same click's
    data replayed from a channel (the same person) is refused, saying why, and changes
    nothing; from the chat it was given in, the kept answer comes back as before."""
    j = journey_each
    _, return_id = await open_review(j)
    data = await _entry_form(j, return_id)
    first = await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    assert first["type"] == CARD
    kept = json.dumps(first["value"])

    sent_before = len(j.bot.connector.sent)
    click = person(PRACTITIONER).clicks(j.bot.connector.url, verbs.ENTRY_SAVE, data)
    replayed = await j.turn(_in_channel(click))
    assert replayed.status == 200, replayed.body
    assert replayed.body["type"] == MESSAGE
    assert replayed.body["value"] == idempotency.ELSEWHERE_MESSAGE
    assert "School raised concern" not in json.dumps(replayed.body)
    assert len(j.bot.connector.sent) == sent_before, "nothing posted in the channel"
    assert len(j.rows(t.ChronologyEntry)) == 1

    again = await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    assert json.dumps(again["value"]) == kept
    assert len(j.rows(t.ChronologyEntry)) == 1


async def test_a_slow_first_click_gives_its_duplicate_its_answer_when_kept(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first click's handler runs 1.5 s with its claim committed and pending, then stores
    its answer in a transaction that keeps the claim's key 0.4 s. The duplicate, which has
    waited through the handler, finds the key held while the answer is being kept: it waits
    for the answer rather than being told the first is still being worked on (the in-flight
    window counted from the duplicate's arrival told it so: CI saw it on the 7-minute
    briefing's submit). One entry, one answer."""
    j = journey_each
    _, return_id = await open_review(j)
    data = await _entry_form(j, return_id)
    real_complete = SqlClaims.complete
    completed: list[str] = []

    def slow_complete(claims: SqlClaims, partnership_id: int, token: str, reply: Any) -> None:
        first_time = not completed
        completed.append(token)
        if first_time:
            time.sleep(1.5)  # the handler's work, before the key is taken again
        real_complete(claims, partnership_id, token, reply)
        if first_time:
            time.sleep(0.4)  # the key held while the answer is kept

    monkeypatch.setattr(SqlClaims, "complete", slow_complete)
    first, second = await twice_at_once(j, verbs.ENTRY_SAVE, data, PRACTITIONER)
    monkeypatch.undo()

    assert first["type"] == CARD, first
    assert second == first
    assert len(j.rows(t.ChronologyEntry)) == 1


async def _during_a_slow_save(
    j: Journey, data: dict[str, Any], monkeypatch: pytest.MonkeyPatch, seconds: float, aad: str
) -> tuple[Any, Any, float]:
    """The practitioner's click, its save kept in its transaction `seconds`; once it is
    saving, the same click from `aad`: (the first's answer, the second's, how long the second
    took). (The second came a fixed 0.3 s in, which a loaded machine could reach before the
    first had claimed: then the second was the first.)"""
    real_save = returns.save_section
    saving = threading.Event()

    def slow_save(*args: Any) -> Any:
        saved = real_save(*args)
        saving.set()
        time.sleep(seconds)  # inside the unit: its transaction, and its claim, stay open
        return saved

    monkeypatch.setattr(returns, "save_section", slow_save)
    first = asyncio.create_task(j.act(verbs.RETURN_NEXT, data, PRACTITIONER))
    assert await asyncio.to_thread(saving.wait, 10)
    started = time.monotonic()
    second = await j.act(verbs.RETURN_NEXT, data, aad)
    waited = time.monotonic() - started
    answer = await first
    monkeypatch.undo()
    return answer, second, waited


async def test_a_duplicate_of_a_long_save_is_answered_at_once_and_its_replay_gets_the_answer(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first click's save stays in its transaction for 3 s. On PostgreSQL the duplicate
    doesn't wait inside the database on the first's uncommitted claim (that held a database
    thread up to lock_timeout, 5 s, then said "Please try again"): within about a second it is
    told the first is still being worked on, with nothing saved twice; once the first has
    committed, the same click again gets the kept answer. SQLite runs the one-unit save
    inline, so the duplicate comes after it and gets its answer."""
    j = journey_each
    data = await _section_click(j, "Police with school nurse")
    answer, duplicate, waited = await _during_a_slow_save(j, data, monkeypatch, 3, PRACTITIONER)
    assert "Section 2 of" in json.dumps(answer["value"])
    if j.bot.db.engine.dialect.name == "postgresql":
        print(f"duplicate answered after {waited:.3f} s")
        assert waited < 2.0, waited
        assert duplicate["type"] == MESSAGE
        assert duplicate["value"] == idempotency.IN_FLIGHT_MESSAGE
    else:
        assert duplicate == answer
    assert _team_answers(j) == ["Police with school nurse"]
    replay = await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    assert replay == answer
    assert _team_answers(j) == ["Police with school nurse"]


async def test_someone_else_s_click_while_the_first_is_in_flight_is_refused_as_theirs(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The practitioner's save stays in its transaction for 2 s; another member sends the
    same click meanwhile (a card's data replayed). Before, on PostgreSQL, they were told
    "Your first click is still being worked on" (it was nobody's first click of theirs): now
    the claim's member mark says whose it is, and they get the refusal someone else's card
    gets, at once, as on SQLite (where the first's claim is committed before theirs is read),
    and as after the first has committed. Nothing is saved twice."""
    j = journey_each
    data = await _section_click(j, "Police with school nurse")
    answer, other, waited = await _during_a_slow_save(j, data, monkeypatch, 2, USER_AAD)
    assert "Section 2 of" in json.dumps(answer["value"])
    print(f"another member's click answered after {waited:.3f} s")
    assert other["type"] == MESSAGE
    assert other["value"] != idempotency.IN_FLIGHT_MESSAGE
    assert "sent to someone else" in other["value"]
    if j.bot.db.engine.dialect.name == "postgresql":
        assert waited < 1.0, waited
    after = await j.act(verbs.RETURN_NEXT, data, USER_AAD)
    assert after["value"] == other["value"]
    assert _team_answers(j) == ["Police with school nurse"]


async def test_a_click_whose_key_no_member_s_claim_holds_is_told_the_button_was_busy(
    journey_each: Journey,
) -> None:
    """docs12: a click whose claim's key another transaction holds with no member's mark (a
    duplicate's look here; an answer being stored) read as
    "unknown" and, after a second, was told "Your first click is still being worked on; its
    answer will appear": nobody's first click, an answer that would not come, no way on. It is
    told nothing was done and to press again, and pressing again gets the kept answer; nothing
    is saved twice. SQLite has no such hold: the click gets the kept answer."""
    j = journey_each
    _, return_id = await open_review(j)
    data = await _entry_form(j, return_id)
    first = await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    assert first["type"] == CARD
    key = idempotency.click_key(verbs.ENTRY_SAVE, data, j.bot.app[SERVICES].settings.click_secret)
    partnership = j.rows(t.Partnership)[0].id

    took, release = threading.Event(), threading.Event()

    def look_and_hold(uow: Any) -> None:
        uow.claims.find(partnership, key)
        took.set()
        # The look's transaction, and the key it took, stay open until the click is answered:
        # what the click meets never depends on how fast this machine is (review12a).
        release.wait(30)

    holding = asyncio.create_task(asyncio.to_thread(j.bot.db.transaction, look_and_hold))
    assert await asyncio.to_thread(took.wait, 30), "the look took the key"
    try:
        second = await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    finally:
        release.set()
        await holding
    if j.bot.db.engine.dialect.name == "postgresql":
        assert second["type"] == MESSAGE
        assert second["value"] == idempotency.HELD_MESSAGE
        assert second["value"] != idempotency.IN_FLIGHT_MESSAGE
    else:
        assert second == first
    again = await j.act(verbs.ENTRY_SAVE, data, PRACTITIONER)
    assert again == first
    assert len(j.rows(t.ChronologyEntry)) == 1
