"""User text is inert (issue 15, part 2): hostile strings typed into every field, by
practitioners, leads, the chair, action owners, the LIC group and admins, reach every output
(each card, the Word documents, the CSVs and the XLSX tracker) as plain text shown as typed.

Driven through the real flows over HTTP (the bot in local mode, files written to disk), then
every card the bot sent or answered with is rendered as Markdown, as Teams' web and desktop
clients render it, and every exported file is read back."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from cards import verbs
from cards.common import ZERO_WIDTH, header, paragraph, user_text
from domain.display import shown
from exports.cells import FORMULA_STARTS
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support import journey as journey_module
from tests.support.activities import USER_AAD
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    COLLEAGUE,
    LEAD,
    PRACTITIONER,
    Journey,
    draft_key,
    guide_shown,
    journey_on,
    make_lic_member,
)
from tests.support.markdown import as_typed, rendered_html

CARD = "application/vnd.microsoft.card.adaptive"

# What a person might paste: each is Markdown, HTML, a mention, a formula or a disguise.
LINK = "[open me](https://evil.example/x)"
MARKDOWN = f"{LINK} ![pixel](https://evil.example/p.png) **bold** _it_ `code` ~~gone~~"
HTML = "<at>chair</at> <b>b</b> <script>x</script> &amp; &#42; <https://evil.example>"
BARE = "see www.evil.example and https://evil.example/y"
BLOCKS = "# heading\n> quoted\n- listed\n1. numbered\n    indented"
FORMULA = '=HYPERLINK("https://evil.example","open me")'
RTL = "report\u202eexe.txt for\u200b review"
HOSTILE = (
    MARKDOWN,
    HTML,
    BARE,
    BLOCKS,
    FORMULA,
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    RTL,
    ("very long text, " * 120).strip(),
)
# Short enough for the single-line fields; each still starts with a formula character.
AGENCY = '=HYPERLINK("https://evil.example","x") [police](https://evil.example)'
PSEUDONYM = "**Child K** [x](https://evil.example)"
NAMES = {
    USER_AAD: "@chair **[review](https://evil.example)**",
    PRACTITIONER: "+practitioner <at>all</at>",
    COLLEAGUE: "-colleague _x_",
    LEAD: "=lead\u202e",
}
# Markup the bot never writes: any of it in a card was made from what someone typed.
NEVER_BOT = {"a", "img", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "code", "pre"}
NEVER_BOT |= {"table", "em", "s", "del", "hr", "ol", "script", "at", "b"}
# Bot-written Markdown: bold labels and bullets. Typed text must never land inside them as markup.
TYPED_MARKERS = ("<strong>bold", "<li>listed", "<li>numbered")


def line_of(text: str) -> str:
    return " ".join(text.split())


# --- collecting what the bot showed -------------------------------------------------------------


class Collecting(Journey):
    """A journey that keeps every card it got back from a click."""

    def __init__(self, bot: BotUnderTest) -> None:
        super().__init__(bot)
        self.replies: list[dict[str, Any]] = []

    async def act(self, verb: str, data: dict[str, Any], aad: str = USER_AAD) -> Any:
        reply = await super().act(verb, data, aad)
        if isinstance(reply, dict) and reply.get("type") == CARD:
            self.replies.append(reply["value"])
        return reply

    def every_card(self) -> list[dict[str, Any]]:
        return [*self.replies, *self.bot.connector.cards()]

    def saved_files(self) -> list[Path]:
        # Named on the card as they are on disk (bot/files.py `kept_name`), copyable.
        text = json.dumps(self.every_card(), ensure_ascii=False)
        exports = [Path(row.path) for row in self.rows(t.ExportFile)]
        return sorted({path for path in exports if f'"{path.name}"' in text})


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a card, nested ones included."""
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for value in node:
            yield from elements(value)


def markdown_texts(card: Any) -> Iterator[str]:
    """Every string Teams renders as Markdown: TextBlock text, Fact title and value."""
    for element in elements(card):
        if element.get("type") == "TextBlock":
            yield element["text"]
        if element.get("type") == "FactSet":
            for fact in element["facts"]:
                yield fact["title"]
                yield fact["value"]


def input_values(card: Any) -> Iterator[str]:
    for element in elements(card):
        if str(element.get("type", "")).startswith("Input.") and isinstance(
            element.get("value"), str
        ):
            yield element["value"]


def assert_inert(text: str) -> None:
    html = rendered_html(text)
    tags = {name.lower() for name in re.findall(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)", html)}
    assert not tags & NEVER_BOT, (text, html)
    assert not any(marker in html for marker in TYPED_MARKERS), (text, html)
    assert "\u202e" not in text, text
    assert "\u200b\u200b" not in text, text


# --- the journey, with hostile text in every field --------------------------------------------


def rename(j: Journey, agency_name: str) -> int:
    """An admin typed the police agency's name."""
    with j.bot.db.session() as session, session.begin():
        police = session.scalars(select(t.Agency).where(t.Agency.name == "Demo Police")).one()
        police.name = agency_name
        for member in session.scalars(select(t.Member)):
            member.display_name = NAMES.get(member.aad_object_id, member.display_name)
        return police.id


def grant(j: Journey, aad: str, role: str) -> None:
    with j.bot.db.session() as session, session.begin():
        member = session.scalars(select(t.Member).where(t.Member.aad_object_id == aad)).one()
        session.add(t.MemberRole(member_id=member.id, role=role))


def hostile_at(index: int) -> str:
    return HOSTILE[index % len(HOSTILE)]


async def return_with_hostile_answers(j: Collecting, police: int) -> tuple[int, int]:
    await j.say("new review")
    card = await j.card(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": PSEUDONYM,
            "reason": MARKDOWN,
            "agencies": str(police),
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    assert "Assign practitioners" in card
    review = j.rows(t.Review)[0]
    await j.act(verbs.REVIEW_ASSIGN, {"review_id": review.id, f"assignees_{police}": PRACTITIONER})
    ret = j.rows(t.PreAnalysisReturn)[0]
    typed = 0
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": ret.id, "section": index, **valid_answers(section)}
        for question in section.questions:
            if question.type.value in ("short_text", "long_text"):
                limit = question.max_length or 500
                data[question.id] = hostile_at(typed)[:limit]
                typed += 1
        if section.repeatable:
            data["episode"] = 1
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    for index, event in enumerate((MARKDOWN, HTML, BLOCKS, FORMULA, RTL)):
        await j.act(
            verbs.ENTRY_SAVE,
            {
                "return_id": ret.id,
                "event_date": f"2025-0{index + 1}-10",
                "source": hostile_at(index + 4)[:100],
                "event": event,
                "impact_on_child": hostile_at(index + 1),
                "action_outcome": hostile_at(index + 2),
                "missed_opportunity": "true",
                "missed_opportunity_reason": hostile_at(index + 3)[:300],
                "themes": "neglect",
            },
            PRACTITIONER,
        )
    entry = j.rows(t.ChronologyEntry)[0]
    await j.act(verbs.ENTRY_FORM, {"return_id": ret.id, "entry_id": entry.id}, PRACTITIONER)
    await j.act(verbs.CHRONOLOGY, {"return_id": ret.id}, PRACTITIONER)
    await j.act(verbs.RETURN_OVERVIEW, {"return_id": ret.id}, PRACTITIONER)
    await j.act(verbs.RETURN_SUBMIT, {"return_id": ret.id}, PRACTITIONER)
    await j.act(verbs.SIGNOFF_RETURN, {"return_id": ret.id, "comments": MARKDOWN}, LEAD)
    await j.act(verbs.RETURN_OPEN, {"return_id": ret.id, "section": 0}, PRACTITIONER)
    await j.act(
        verbs.RETURN_SAVE,
        {"return_id": ret.id, "section": 0, **valid_answers(BANK.sections[0])},
        PRACTITIONER,
    )
    await j.act(verbs.RETURN_SUBMIT, {"return_id": ret.id}, PRACTITIONER)
    await j.say("sign-offs", LEAD)
    # The sign-off card of the resubmitted return says what was sent back: as typed, inert.
    await j.act(verbs.SIGNOFF_OPEN, {"return_id": ret.id}, LEAD)
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": ret.id}, LEAD)
    return review.id, ret.id


async def meeting_with_hostile_outcome(j: Collecting, review_id: int, police: int) -> list[int]:
    await j.act(verbs.PACK, {"review_id": review_id})
    for index, text in enumerate((MARKDOWN, FORMULA)):
        await j.act(
            verbs.ACTION_SAVE,
            {
                "review_id": review_id,
                "description": f"{text} audit 20 referrals and report to the LIC group.",
                "theme": "neglect",
                "owner": PRACTITIONER,
                "agency_id": str(police),
                "due_on": "2099-03-31",
                "success_measure": hostile_at(index + 1)[:300],
            },
        )
    await j.act(
        verbs.OUTCOME_PUBLISH,
        {
            "review_id": review_id,
            "agreed_themes": "neglect",
            "learning_needs": f"{MARKDOWN}\n{FORMULA}\n{HTML}",
            "attendees_0": HTML[:100],
            "keep": f"{draft_key(j, 0)},{draft_key(j, 1)}",
        },
    )
    await j.act(verbs.GUIDE, {"review_id": review_id})
    parts = {f"part_{i}": hostile_at(i)[:1000] for i in range(7)}
    await j.act(verbs.GUIDE_SAVE, {"review_id": review_id, **parts})
    await j.act(verbs.GUIDE_PREVIEW, {"review_id": review_id})
    make_lic_member(j, COLLEAGUE)
    await j.act(verbs.GUIDE_SUBMIT, {"review_id": review_id})
    await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), COLLEAGUE)
    await j.act(
        verbs.GUIDE_USAGE_SAVE,
        {"review_id": review_id, "team": FORMULA, "used_on": "2026-11-20", "staff_count": "3"},
        PRACTITIONER,
    )
    return sorted(i.id for i in j.rows(t.ActionItem))


async def work_the_actions(j: Collecting, first: int, second: int) -> None:
    owner = PRACTITIONER
    await j.act(verbs.ACTION_VIEW, {"action_id": first}, owner)
    progress = {"action_id": first, "note": MARKDOWN, "rag": "amber"}
    await j.act(verbs.ACTION_PROGRESS, progress, owner)
    await j.act(
        verbs.ACTION_NEW_DATE,
        {"action_id": first, "reason": HTML, "proposed_due_on": "2099-06-30"},
        owner,
    )
    await j.act(verbs.ACTION_BLOCKED, {"action_id": second, "reason": BLOCKS}, owner)
    await j.act(verbs.ACTION_PROGRESS, {"action_id": second, "note": FORMULA}, owner)
    await j.act(verbs.ACTION_COMPLETE, {"action_id": first, "evidence": RTL}, owner)
    await j.act(
        verbs.IMPACT_RECORD,
        {
            "action_id": first,
            "how_much": MARKDOWN,
            "how_well": FORMULA,
            "better_off": HTML,
            "evidence": "@SUM(1+1)",
            "decision": "keep_open",
            "minute_reference": "+LIC 4",
        },
    )
    await j.act(verbs.ACTION_VIEW, {"action_id": first}, owner)


async def hostile_journey(bot: BotUnderTest) -> Collecting:
    await journey_on(bot)
    j = Collecting(bot)
    police = rename(j, AGENCY)
    for role in ("lic_member", "manager"):
        grant(j, USER_AAD, role)
    review_id, _ = await return_with_hostile_answers(j, police)
    first, second = await meeting_with_hostile_outcome(j, review_id, police)
    await work_the_actions(j, first, second)
    reference = j.rows(t.Review)[0].reference
    for text in (
        f"summary {reference}",
        "dashboard",
        "overdue",
        "my actions",
        "agencies",
        "members",
        f"export {reference} csv",
        f"export {reference} xlsx",
        f"export {reference} word",
        f"audit {reference}",
    ):
        await j.say(text)
    await j.act(verbs.PACK_EXPORT, {"review_id": review_id, "format": "docx"})
    await j.act(verbs.PACK_EXPORT, {"review_id": review_id, "format": "csv"})
    await j.act(verbs.GUIDE_EXPORT, {"review_id": review_id})
    await j.act(verbs.AUDIT_EXPORT, {"review_id": review_id})
    await j.act(verbs.LEGAL_HOLD_SET, {"review_id": review_id, "hold": "on", "reason": HTML})
    return j


@pytest.fixture
async def hostile(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> Collecting:
    # Teams sends each person's display name on every activity: these are what they set.
    monkeypatch.setattr(journey_module, "_name", lambda aad: NAMES.get(aad, "someone"))
    return await hostile_journey(bot)


# --- the checks ---------------------------------------------------------------------------------


async def test_every_card_shows_typed_text_inert_and_as_typed(hostile: Collecting) -> None:
    cards = hostile.every_card()
    assert len(cards) > 40
    texts = [text for card in cards for text in markdown_texts(card)]
    for text in texts:
        assert_inert(text)
    seen = "\n".join(as_typed(text) for text in texts)
    for typed in (LINK, "**bold**", "<at>chair</at>", "=HYPERLINK(", "# heading", "reportexe.txt"):
        assert typed in seen, f"{typed!r} is not shown as typed"
    assert line_of(AGENCY) in seen, "the admin-typed agency name is shown as typed"
    assert PSEUDONYM in seen
    assert NAMES[USER_AAD] in seen


async def test_prefilled_inputs_hold_the_stored_text_unescaped(hostile: Collecting) -> None:
    values = {value for card in hostile.every_card() for value in input_values(card)}
    assert MARKDOWN in values, "the entry form is prefilled with what was typed, not escaped"
    assert not any(ZERO_WIDTH in value or "\u2217" in value for value in values)


async def test_word_documents_hold_typed_text_as_literal_runs(hostile: Collecting) -> None:
    documents = [p for p in hostile.saved_files() if p.suffix == ".docx"]
    assert len(documents) == 3, documents  # meeting pack, review summary, 7-minute guide
    for path in documents:
        document = Document(str(path))
        text = "\n".join(
            [p.text for p in document.paragraphs]
            + [c.text for table in document.tables for row in table.rows for c in row.cells]
        )
        assert "\u202e" not in text
        assert "\u200b" not in text
        assert "](https://evil.example" in text, path.name
    pack = next(p for p in documents if "pack" in p.name)
    cells = [c.text for table in Document(str(pack)).tables for r in table.rows for c in r.cells]
    assert AGENCY in cells
    assert any(MARKDOWN in cell for cell in cells)


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


async def test_csv_files_never_start_a_cell_with_a_formula(hostile: Collecting) -> None:
    files = {p.name.rsplit("-", 1)[-1]: p for p in hostile.saved_files() if p.suffix == ".csv"}
    assert sorted(files) == ["chronology.csv", "tracker.csv", "trail.csv"], files
    for path in files.values():
        cells = [cell for row in csv_rows(path) for cell in row]
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], path.name
    chronology = csv_rows(files["chronology.csv"])
    agency = chronology[0].index("agency")
    assert {row[agency] for row in chronology[1:]} == {"'" + AGENCY}
    assert any(row[chronology[0].index("event")] == "'" + FORMULA for row in chronology)
    tracker = csv_rows(files["tracker.csv"])
    lead = tracker[0].index("Lead agency")
    assert {row[lead] for row in tracker[1:]} == {"'" + AGENCY}
    actors = {row[1] for row in csv_rows(files["trail.csv"])[2:]}
    assert "'" + NAMES[USER_AAD] in actors, "a display name from Teams is neutralised too"


async def test_the_xlsx_tracker_holds_text_never_formulas(hostile: Collecting) -> None:
    [path] = [p for p in hostile.saved_files() if p.suffix == ".xlsx"]
    book = load_workbook(path)
    checked = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    checked += 1
    assert checked >= 3
    chart_data = [c.value for row in book["Chart data"].iter_rows() for c in row]
    assert AGENCY in chart_data, "the chart-data sheet has the agency's name as text"


# --- card builders directly, for breadth -----------------------------------------------------


@pytest.mark.parametrize("typed", HOSTILE)
def test_the_shared_builders_escape_every_hostile_string(typed: str) -> None:
    for element in (*header(typed, typed)[1:], paragraph(typed)):
        text = element.text
        assert_inert(text)
        assert as_typed(text) == shown(typed).replace("\r", "\n")
    assert user_text(typed) == user_text(user_text(typed))
