"""Issue 4 over HTTP: the meeting pack, the outcome card with SMART checks, publishing the
actions, contributors hearing back, and the 7-minute guide."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from bot.app import SERVICES
from bot.files import CONSENT, FILES_IN_PERSONAL_CHAT
from cards import verbs
from storage import tables as t
from tests.conftest import BotUnderTest, _running_bot
from tests.support.activities import USER_AAD, activity, as_user
from tests.support.connector import FakeConnector
from tests.support.journey import (
    COLLEAGUE,
    LEAD,
    OUTSIDER,
    PARTNERSHIP_CHANNEL,
    PRACTITIONER,
    Journey,
    draft_key,
    good_action,
    guide_shown,
    in_channel,
    journey_on,
    make_lic_member,
    police_id,
    saved_file,
    signed_off_review,
)


async def test_pack_outcome_publish_and_guide(journey: Journey, tmp_path: Path) -> None:
    j = journey
    review_id = await signed_off_review(j)
    card = await j.card(verbs.PACK, {"review_id": review_id})
    assert "Meeting pack" in card
    assert "Demo Police" in card
    assert "School raised concern" in card

    card = await j.card(verbs.OUTCOME, {"review_id": review_id})
    assert "Meeting outcome" in card
    assert "learning_needs" in card
    card = await j.card(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(police_id(j))})
    assert "Action 1 saved" in card
    vague = {
        **good_action(police_id(j)),
        "description": "Raise awareness of neglect.",
        "success_measure": "",
    }
    card = await j.card(verbs.ACTION_SAVE, {"review_id": review_id, **vague})
    assert "Not SMART yet" in card
    assert "hard to measure" in card

    outcome = {
        "review_id": review_id,
        "agreed_themes": "neglect,information_sharing",
        "learning_needs": "Escalate attendance concerns sooner\nShare health "
        "appointments with school\nSee the child at every visit",
        "attendees_0": "DS, SW, HV",
    }
    card = await j.card(verbs.OUTCOME_PUBLISH, outcome)
    assert "Sharpen it, or choose it" in card, "the vague action blocks publishing"
    assert j.rows(t.ActionItem) == []
    j.bot.connector.clear()
    card = await j.card(verbs.OUTCOME_PUBLISH, {**outcome, "keep": draft_key(j, 1)})
    assert "Outcome published" in card
    items = j.rows(t.ActionItem)
    assert [i.reference for i in items] == [
        f"{j.rows(t.Review)[0].reference}/A1",
        f"{j.rows(t.Review)[0].reference}/A2",
    ]
    assert j.rows(t.Review)[0].stage == "actions_open"
    sent = json.dumps(j.bot.connector.cards())
    assert "Your action" in sent, "owners get their action card"
    assert "What we learned" in sent, "contributors hear back"

    card = await j.card(verbs.GUIDE, {"review_id": review_id})
    assert "7-minute briefing" in card
    assert "1 · Background" in card
    card = await j.card(verbs.GUIDE_PREVIEW, {"review_id": review_id})
    assert "Preview" in card
    card = await j.card(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    assert "Sent for approval" in card
    assert "Version 1 awaiting approval" in card
    make_lic_member(j)
    card = await j.card(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), COLLEAGUE)
    assert "Approved: version 1 published" in card
    assert "No partnership channel is registered" in card
    card = await j.card(
        verbs.GUIDE_USAGE_SAVE,
        {
            "review_id": review_id,
            "team": "Locality team North",
            "used_on": "2026-11-20",
            "staff_count": "12",
        },
        PRACTITIONER,
    )
    assert "used by 1 team" in card

    card = await j.download(verbs.PACK_EXPORT, {"review_id": review_id, "format": "docx"})
    assert "Saved the meeting pack" in card
    path = str(saved_file(j.bot, card))
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert "Combined impact chronology" in text
    assert "Police Practitioner" not in text, "member names never reach the pack"


async def test_outcome_bad_input(journey: Journey) -> None:
    j = journey
    review_id = await signed_off_review(j)
    agency = police_id(j)
    card = await j.card(
        verbs.ACTION_SAVE, {"review_id": review_id, **good_action(agency), "owner": "not-a-guid"}
    )
    assert "Choose the owner from the list" in card
    card = await j.card(
        verbs.ACTION_SAVE, {"review_id": review_id, **good_action(agency), "due_on": "next tuesday"}
    )
    assert "must be a date" in card
    card = await j.card(
        verbs.ACTION_SAVE, {"review_id": review_id, **good_action(agency), "agency_id": "99999"}
    )
    assert "lead agency" in card
    for _ in range(20):
        await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(agency)})
    card = await j.card(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(agency)})
    assert "up to 20 action items" in card
    outcome = j.rows(t.MeetingOutcome)[0]
    assert len(outcome.draft_actions) == 20

    # Someone chosen with the people picker who never used the bot is kept as a pending member.
    stranger = "55555555-5555-4555-8555-555555555555"
    await j.act(verbs.ACTION_REMOVE, {"review_id": review_id, "action_key": draft_key(j, 0)})
    await j.act(verbs.ACTION_SAVE, {"review_id": review_id, **good_action(agency, stranger)})
    card = await j.card(verbs.OUTCOME_PUBLISH, {"review_id": review_id, "agreed_themes": "neglect"})
    assert "Outcome published" in card
    assert "couldn't reach" in card or "Pending member" in card
    assert any(m.aad_object_id == stranger for m in j.rows(t.Member))


async def test_only_the_chair_records_the_outcome(journey: Journey) -> None:
    j = journey
    review_id = await signed_off_review(j)
    for aad in (PRACTITIONER, OUTSIDER, LEAD):
        reply = await j.act(
            verbs.OUTCOME_PUBLISH, {"review_id": review_id, "agreed_themes": "neglect"}, aad
        )
        assert reply["type"] == "application/vnd.microsoft.activity.message", aad
    assert j.rows(t.MeetingOutcome) == []
    assert j.rows(t.Review)[0].stage == "analysis"


@pytest.fixture
async def teams_files_bot(
    tmp_path: Path, sqlite_url: str, connector: FakeConnector
) -> AsyncIterator[BotUnderTest]:
    async for running in _running_bot(tmp_path, sqlite_url, connector, FILE_DELIVERY="teams"):
        yield running


def consent_answer(
    j: Journey, aad: str, token: str, action: str, upload: dict[str, Any] | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {"type": "fileUpload", "action": action, "context": {"token": token}}
    if upload:
        value["uploadInfo"] = upload
    body = activity("invoke-adaptive-card-action", j.bot.connector.url, value=value)
    body["name"] = "fileConsent/invoke"
    return as_user(body, aad)


async def test_file_consent_offers_then_uploads_the_document(
    teams_files_bot: BotUnderTest,
) -> None:
    j = await journey_on(teams_files_bot)
    review_id = await signed_off_review(j)
    j.bot.connector.clear()
    await j.act(verbs.PACK_EXPORT, {"review_id": review_id, "format": "csv"})
    offer = next(
        a
        for s in j.bot.connector.sent
        for a in s.activity.get("attachments") or []
        if a["contentType"] == CONSENT
    )
    token = offer["content"]["acceptContext"]["token"]
    assert offer["content"]["sizeInBytes"] > 0

    stolen = consent_answer(
        j, OUTSIDER, token, "accept", {"uploadUrl": j.bot.connector.url + "upload/x.csv"}
    )
    status, reply = await j.bot.post(stolen)
    assert status == 200
    assert "isn't yours" in json.dumps(reply)
    assert j.bot.connector.uploads == []

    upload = {
        "uploadUrl": j.bot.connector.url.rstrip("/") + "/upload/pack.csv",
        "contentUrl": "https://contoso.example/pack.csv",
        "name": "pack.csv",
        "uniqueId": "1",
        "fileType": "csv",
    }
    status, _ = await j.bot.post(consent_answer(j, USER_AAD, token, "accept", upload))
    assert status == 200
    assert len(j.bot.connector.uploads) == 1
    assert j.bot.connector.uploads[0].startswith(b"\xef\xbb\xbfdate,")
    infos = [
        a
        for s in j.bot.connector.sent
        for a in s.activity.get("attachments") or []
        if a["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    ]
    assert infos, "the file card follows the upload"
    assert any(e.action == "export.delivered" for e in j.rows(t.AuditEvent))


async def test_a_download_clicked_in_a_channel_leaves_its_card_and_writes_nothing(
    teams_files_bot: BotUnderTest,
) -> None:
    """Teams sends files only in a 1:1 chat. A download clicked on a card in a channel (the
    partnership channel's briefing post, which anyone there may now open) is answered with a
    message alone: the card clicked stays, nothing is posted to the channel, and no file is
    written for no one to fetch."""
    j = await journey_on(teams_files_bot)
    review_id = await signed_off_review(j)
    j.bot.connector.clear()
    answer = await in_channel(
        j, USER_AAD, PARTNERSHIP_CHANNEL, verbs.PACK_EXPORT, {"review_id": review_id}
    )
    assert answer["type"] == "application/vnd.microsoft.activity.message", answer
    assert answer["value"] == FILES_IN_PERSONAL_CHAT
    assert j.bot.connector.sent == []
    assert j.rows(t.ExportFile) == []
    assert not list((j.bot.app[SERVICES].settings.data_dir / "exports").rglob("*"))
