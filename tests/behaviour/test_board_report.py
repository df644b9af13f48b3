"""Issue 18 over HTTP, on both databases: the quarterly board report from `report 2026-Q4`
and from the dashboard's button; reviews counted by their meeting date; the Word report has
every section, the overdue item with its days late; who may not have it is told so."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from docx import Document
from sqlalchemy import update

from cards import verbs
from domain.phrasing import quarter
from storage import tables as t
from tests.support.journey import PRACTITIONER, Journey, button_data, published, saved


def document_text(j: Journey, card: str) -> str:
    document = Document(io.BytesIO(saved(j, card, ".docx").read_bytes()))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


async def test_the_board_report_counts_reviews_by_meeting_date(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    [review] = j.rows(t.Review)
    held_on = review.opened_on  # the bot's today: the meeting was held today
    with j.bot.db.session() as session, session.begin():
        session.execute(update(t.Review).values(meeting_on=held_on))
        late = held_on - timedelta(days=40)
        session.execute(update(t.ActionItem).values(due_on=late, agreed_on=late))
        # Its return was submitted today, and is due today: in on time, read from storage.
        session.execute(update(t.PreAnalysisReturn).values(due_on=held_on))
    key = quarter(held_on.year, (held_on.month - 1) // 3 + 1).key

    await j.say(f"report {key}")
    shown = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert f"Quarterly board report · {key.replace('-', ' ')}" in shown, shown
    assert "1 (counted by meeting date)" in shown
    assert "Returns on time" in shown
    assert "1 of 1 due" in shown, "the submitted date against the due date"
    card = await j.card(verbs.REPORT, {"quarter": key})
    assert "Overdue now" in card

    ready = await j.download(verbs.REPORT_EXPORT, {"quarter": key, "format": "docx"})
    # The file's card leads back to the report, as the pack's and the briefing's do (walk 13, L5).
    assert '"title": "Back to the report"' in ready, ready
    text = document_text(j, ready)
    for heading in (
        "The quarter at a glance",
        "For the board's attention",
        "Reviews held in the quarter",
        "Learning needs agreed",
        "Themes: this quarter against the four before",
        "Action items by RAG",
        "Impact recorded this quarter",
        "Overdue action items, by agency",
    ):
        assert heading in text, heading
    assert review.reference in text
    assert item.reference in text, "the overdue item is named"
    assert "Demo Police" in text
    assert "counted in the quarter their Line-of-Sight meeting was held" in text
    assert "Agency returns due in the quarter, in on time" in text
    assert "its submitted date against its due date as extended" in text
    assert "Review Chair" not in text, "no member names"
    assert "board_report.made" in j.bot.audit_actions()

    # The quarter before holds no meeting of this review: it counts nowhere else.
    before = quarter(held_on.year - 1, 4).key
    card = await j.card(verbs.REPORT, {"quarter": before})
    assert "0 (counted by meeting date)" in card


async def test_the_report_is_refused_where_it_should_be(journey_each: Journey) -> None:
    j = journey_each
    await published(j)
    refused = json.dumps(await j.act(verbs.REPORT, {"quarter": "2099-Q1"}))
    assert "hasn't started yet" in refused
    refused = json.dumps(await j.act(verbs.REPORT, {"quarter": "last tuesday"}))
    assert "like 2026-Q4" in refused
    refused = json.dumps(await j.act(verbs.REPORT, {}, PRACTITIONER))
    assert "Only a manager, an agency safeguarding lead, a review chair" in refused
    wrong = json.dumps(await j.act(verbs.REPORT_EXPORT, {"format": "odt"}))
    assert "docx (Word) or pdf" in wrong


async def test_the_dashboard_offers_the_report(journey_each: Journey) -> None:
    j = journey_each
    await published(j)
    dashboard = (await j.act(verbs.DASHBOARD, {}))["value"]
    data = button_data(dashboard, verbs.REPORT)
    assert "Quarterly board report" in await j.card(verbs.REPORT, data)


async def test_a_review_counts_where_its_meeting_was_held_not_where_it_was_planned(
    journey_each: Journey,
) -> None:
    j = journey_each
    await published(j)  # the outcome records the meeting as held today
    [outcome] = j.rows(t.MeetingOutcome)
    held_on = outcome.meeting_on
    assert held_on is not None
    with j.bot.db.session() as session, session.begin():  # planned two quarters later
        session.execute(update(t.Review).values(meeting_on=held_on + timedelta(days=190)))
    key = quarter(held_on.year, (held_on.month - 1) // 3 + 1).key

    await j.say(f"report {key}")

    shown = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "1 (counted by meeting date)" in shown, "the dashboard's basis: the day it was held"
