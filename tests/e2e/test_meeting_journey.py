"""Issue 4 end to end in the Agents Playground, with only the cards' buttons and fields: the
chair reads the meeting pack, records the outcome with two action items (one too vague to be
SMART, kept anyway), publishes it (the owner's action cards arrive as messages of their own),
drafts, edits and previews the 7-minute briefing and sends it for approval, the demo LIC
member approves it (an invoke from their own Teams client), the chair records that a team used
the briefing, and downloads the pack as a Word document.

The outcome is recorded once every agency return of a review is signed off
(`domain.meeting.OUTCOME_STAGES`: analysis or meeting). The demo review LOS-2026-001 has four
agencies and the Playground's user can only complete one of their returns, so the chair opens
a review with Demo Police alone, assigns himself, completes and signs off that return with
test_return_journey's helpers, and then meets. Alex Wilber plays every part (admin, chair,
practitioner, agency lead, LIC member).

The chair fills the outcome card and goes straight on to "Add action item", as nothing asks
them to Save first. If the card comes back without what they typed, the test records that bug,
types it again and Saves (as a chair would), walks the rest of the journey, and then fails with
the bug report, so one run checks every step.

Screenshots of whole cards go to test-artifacts/e2e/meeting-*.png.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import Locator

from cards.common import friendly_date
from domain.calendar import DEFAULT_CALENDAR
from domain.questions import default_themes
from domain.wording import counted, shortened
from tests.e2e.harness import PLAYGROUND_USER, BotProcess, Chat, saved_export
from tests.e2e.test_return_journey import (
    AGENCY,
    BANK,
    ENTRY,
    PSEUDONYM,
    add_a_chronology_entry,
    answer_sections,
    assign_myself,
    card_text,
    open_a_review,
    progress,
    review_and_submit,
    sign_off,
)
from tests.support.journey import button_data
from tests.support.markdown import as_typed

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

THEME_LABELS = {t.slug: t.label for t in default_themes()}
VOICE = THEME_LABELS["voice_of_child"]  # what test_return_journey's answers tag
NEGLECT = THEME_LABELS["neglect"]
EVENT = str(ENTRY["What happened (brief, factual, non-judgemental)"])

# Well ahead of the bot's today, so the SMART check never finds the date in the past.
# A working day about four months ahead: the SMART check flags weekend and bank-holiday dates.
DUE = DEFAULT_CALENDAR.next_working_day(dt.date.today() + dt.timedelta(days=120))

ATTENDEES_LABEL = f"Attendees from {AGENCY} (roles)"
THEMES_LABEL = "Agreed key learning themes"
NEEDS_LABEL = "Specific learning needs (one per line)"
KEEP_LABEL = "Keep these as they are (not SMART, agreed anyway)"


@dataclass(frozen=True)
class Outcome:
    attendees: str = "Detective sergeant, response officer, safeguarding lead"
    themes: tuple[str, ...] = (VOICE, NEGLECT)
    needs: tuple[str, ...] = (
        "See and speak to the child at every domestic call-out",
        "Escalate attendance concerns to the school sooner",
        "Share health appointments with the school nurse",
    )


@dataclass(frozen=True)
class ActionItem:
    description: str
    theme: str
    measure: str
    due: dt.date = DUE
    owner: str = PLAYGROUND_USER
    agency: str = AGENCY


SMART = ActionItem(
    "Audit 20 police domestic call-outs where a child lives at the address, checking the "
    "child was seen and spoken to",
    VOICE,
    "At least 18 of the 20 records show the child seen and spoken to; re-audit in 6 months",
)
VAGUE = ActionItem("Raise awareness of neglect", NEGLECT, "Officers say they feel more aware")
GUIDE_EDIT = (
    "Officers went to the home three times and never saw the child. Seeing the child, "
    "and asking what life is like for them, is part of every call-out."
)


def friendly(day: dt.date) -> str:
    """A date as the cards write it (cards.common.friendly_date)."""
    return friendly_date(day)


# --- getting to the meeting ------------------------------------------------------------------


def signed_off_review(chat: Chat, prefix: str) -> str:
    """A new review for Demo Police alone: assign Alex, answer every section, add a chronology
    entry, submit and sign off. Returns its reference, now at the analysis stage."""
    reference = open_a_review(chat)
    invitation = assign_myself(chat, reference)
    chat.click_button("Start your return", within=invitation)
    card = chat.wait_for_card(progress(0))
    card = answer_sections(chat, card, 0, BANK.section_count, prefix)
    card = add_a_chronology_entry(chat, card, prefix)
    review_and_submit(chat, card, reference, prefix)
    notice = sign_off(chat, reference, prefix)
    assert f"Every agency return for {reference} is signed off" in notice, notice
    return reference


def read_the_pack(chat: Chat, reference: str, prefix: str) -> Locator:
    """`pack LOS-…`: the pack has the one return, its chronology entry and its theme."""
    chat.send(f"pack {reference}")
    card = chat.wait_for_card(f"Meeting pack · {reference}")
    chat.card_screenshot(f"{prefix}-pack", card)
    facts = chat.facts(card)
    assert facts["Returns included"] == AGENCY, facts
    assert facts["Not yet submitted"] == "None", facts
    assert facts["Chronology"] == "1 entry, 0 possible duplicate groups, 0 gaps", facts
    assert facts.get(VOICE) == f"1 agency: {AGENCY}", facts
    text = card_text(card)
    assert f"{PSEUDONYM} · 1 agency return" in text, text
    assert "Themes across agencies" in text, text
    assert "Combined chronology · page 1 of 1" in text, text
    assert f"14 Mar 2025 · {AGENCY}" in text, text
    assert EVENT in text, text
    return card


# --- the outcome card ------------------------------------------------------------------------


def fill_outcome(chat: Chat, card: Locator, outcome: Outcome) -> None:
    chat.fill(ATTENDEES_LABEL, outcome.attendees, within=card)
    chat.fill(THEMES_LABEL, list(outcome.themes), within=card)
    chat.fill(NEEDS_LABEL, "\n".join(outcome.needs), within=card)


def outcome_as_shown(chat: Chat, card: Locator) -> dict[str, object]:
    return {
        ATTENDEES_LABEL: chat.value(ATTENDEES_LABEL, within=card),
        THEMES_LABEL: chat.value(THEMES_LABEL, within=card),
        NEEDS_LABEL: chat.value(NEEDS_LABEL, within=card),
    }


def open_the_outcome(chat: Chat, pack: Locator, reference: str) -> Locator:
    chat.click_button("Record the outcome", within=pack)
    card = chat.wait_for_card(f"Meeting outcome · {reference}")
    assert "Action items (0)" in card_text(card), card_text(card)
    return card


def add_action(chat: Chat, reference: str, action: ActionItem, number: int, prefix: str) -> Locator:
    """Add action item, fill the form, Save action item: returns the outcome card again."""
    card = chat.card_with(f"Meeting outcome · {reference}")
    chat.click_button("Add action item", within=card)
    form = chat.wait_for_card("Add an action item")
    assert f"{reference} · {PSEUDONYM}" in card_text(form), card_text(form)
    chat.fill("What will be done (specific, measurable)", action.description, within=form)
    chat.fill("Theme it addresses", action.theme, within=form)
    chat.fill("Owner", action.owner, within=form)
    chat.fill("Lead agency", action.agency, within=form)
    chat.fill("Due date", action.due, within=form)
    chat.fill("How will we know it made a difference?", action.measure, within=form)
    chat.card_screenshot(f"{prefix}-action-{number}-form", form)
    chat.click_button("Save action item", within=form)
    outcome = chat.wait_for_any(f"Action {number} saved.", "Add an action item")
    if outcome != f"Action {number} saved.":
        form = chat.card_with("Add an action item")
        chat.card_screenshot(f"{prefix}-action-{number}-refused", form)
        pytest.fail(f"Save action item refused A{number}: {card_text(form)}", pytrace=False)
    card = chat.wait_for_card(f"Action {number} saved.")
    text = card_text(card)
    assert f"Action items ({number})" in text, text
    assert f"A{number}. {action.description}" in text, text
    assert f"Owner: {action.owner} · due {friendly(action.due)}" in text, text
    return card


def publish(chat: Chat, reference: str, actions: list[ActionItem], prefix: str) -> Locator:
    """Publish outcome: the card becomes "Outcome published", and each owner's action card and
    the contributors' "What we learned" arrive as messages of their own."""
    card = chat.card_with(f"Meeting outcome · {reference}")
    messages = chat.bot_messages.count()
    chat.click_button("Publish outcome", within=card)
    published = chat.wait_for_card(f"Outcome published · {reference}")
    for number in range(1, len(actions) + 1):
        chat.wait_for_card(f"Your action · {reference}/A{number}")
    chat.wait_for_card(f"What we learned · {reference}")
    text = card_text(published)
    assert f"{counted(len(actions), 'action item')} now tracked" in text, text
    assert "Each owner has their action card." in text, text
    assert "pass their action on" not in text, text
    assert chat.facts(published) == {
        f"{reference}/A{n}": f"{shortened(a.description, 80)} · {a.owner}"
        for n, a in enumerate(actions, start=1)
    }, chat.facts(published)
    assert chat.bot_messages.count() == messages + len(actions) + 1, (
        "each owner's action card and the contributors' learning card are new messages"
    )
    chat.card_screenshot(f"{prefix}-published", published)
    for number, action in enumerate(actions, start=1):
        check_action_card(chat, reference, number, action, prefix)
    return published


def check_action_card(
    chat: Chat, reference: str, number: int, action: ActionItem, prefix: str
) -> None:
    card = chat.card_with(f"Your action · {reference}/A{number}")
    text = card_text(card)
    assert PSEUDONYM in text, text
    assert action.description in text, text
    facts = chat.facts(card)
    assert facts["Due"] == friendly(action.due), facts
    assert facts["Lead agency"] == action.agency, facts
    assert facts["How we'll know"] == action.measure, facts
    assert facts["Status"] == "Open", facts
    for move in ("Update progress", "Mark complete", "Ask for a new date", "Blocked"):
        assert move in text, f"the owner's first card offers {move}: {text}"
    chat.card_screenshot(f"{prefix}-your-action-A{number}", card)


def meet(chat: Chat, reference: str, prefix: str, actions: list[ActionItem]) -> Locator:
    """From the pack to a published outcome with `actions` (all SMART). For other journeys."""
    pack = read_the_pack(chat, reference, prefix)
    card = open_the_outcome(chat, pack, reference)
    fill_outcome(chat, card, Outcome())
    chat.click_button("Save", within=card)
    chat.wait_for_card("Outcome saved.")
    for number, action in enumerate(actions, start=1):
        add_action(chat, reference, action, number, prefix)
    return publish(chat, reference, actions, prefix)


def lost_outcome_fields(bot: BotProcess, typed: dict[str, object], shown: dict[str, object]) -> str:
    """The bug report for outcome fields dropped by 'Add action item'."""
    verbs = [r.get("verb") for r in bot.log_records() if r.get("msg") == "card action"]
    after = verbs[len(verbs) - 1 - verbs[::-1].index("outcome") :] if "outcome" in verbs else verbs
    return (
        "BUG: the outcome card forgets what the chair typed when they add an action item.\n"
        "Steps: pack LOS-… > Record the outcome > fill attendees, agreed themes and learning "
        "needs > Add action item > fill it > Save action item.\n"
        f"Expected the outcome card to come back showing {typed}.\n"
        f"Actual: it shows {shown}: the typed values are lost (the agreed themes fall back "
        f"to the pack's), so the action form's 'Theme it addresses' offers only those.\n"
        f"Card actions the bot logged from 'Record the outcome' on: {after} (no outcome_save: "
        f"action_form/action_save ignore the outcome inputs that Action.Execute sends along)."
    )


# --- the 7-minute briefing ------------------------------------------------------------------------


def draft_edit_preview_publish_guide(
    chat: Chat, bot: BotProcess, published: Locator, reference: str, outcome: Outcome, prefix: str
) -> Locator:
    chat.click_button("Draft the 7-minute briefing", within=published)
    guide = chat.wait_for_card(f"7-minute briefing · {reference}")
    text = card_text(guide)
    assert f"{PSEUDONYM} · Draft · used by 0 teams" in text, text
    background = chat.value("1 · Background", within=guide)
    assert isinstance(background, str), background
    assert background.startswith(f"{reference} concerned {PSEUDONYM}."), background
    assert chat.value("3 · Key learning", within=guide) == outcome.needs[0]
    assert chat.value("4 · Key learning", within=guide) == outcome.needs[1]
    changes = chat.value("7 · What to do: what is expected to change", within=guide)
    assert isinstance(changes, str), changes
    assert f"{AGENCY}: {SMART.description}" in changes, changes
    chat.card_screenshot(f"{prefix}-guide-draft", guide)

    chat.fill("2 · Why it matters", GUIDE_EDIT, within=guide)
    chat.click_button("Preview", within=guide)
    preview = chat.wait_for_card(f"Preview · 7-minute briefing · {reference}")
    text = card_text(preview)
    assert GUIDE_EDIT in text, text
    assert outcome.needs[0] in text, text
    chat.card_screenshot(f"{prefix}-guide-preview", preview)

    chat.click_button("Send for approval", within=preview)
    shown = chat.wait_for_any("Sent for approval.", "Check the possible identifiers")
    guide = chat.card_with(f"7-minute briefing · {reference}")
    if shown != "Sent for approval.":
        chat.card_screenshot(f"{prefix}-guide-refused", guide)
        pytest.fail(f"Send for approval was refused: {card_text(guide)}", pytrace=False)
    text = card_text(guide)
    assert f"{PSEUDONYM} · Version 1 awaiting approval" in text, text
    assert "Approve and publish" not in text, "the chair never approves their own guide"
    chat.card_screenshot(f"{prefix}-guide-sent", guide)

    # A second person approves: the demo LIC member, in their own Teams client.
    approved = approve_as_the_lic_member(bot, reference)
    assert "Approved: version 1 published" in json.dumps(approved), approved
    guide = chat.wait_for_card(f"{LIC_MEMBER} approved it.")
    text = card_text(guide)
    assert f"{PSEUDONYM} · Version 1 published · used by 0 teams" in text, text
    assert "approved by LIC Member (demo) (the LIC group)" in text, text
    assert GUIDE_EDIT in text, text
    chat.card_screenshot(f"{prefix}-guide-published", guide)
    return guide


LIC_MEMBER = "LIC Member (demo)"
LIC_MEMBER_AAD = "00000000-0000-0000-0000-000000000107"  # storage/demo.py's LIC member


def approve_as_the_lic_member(bot: BotProcess, reference: str) -> Any:
    """The LIC member opens the guide the chair sent in their own chat and clicks "Approve and
    publish" on it: the click carries the revision that card shows, as approval requires."""
    with contextlib.closing(sqlite3.connect(bot.data_dir / "lineofsight.db")) as db:
        (review_id,) = db.execute(
            "SELECT id FROM review WHERE reference = ?", (reference,)
        ).fetchone()
    opened = bot.invoke_as(LIC_MEMBER_AAD, LIC_MEMBER, "guide", {"review_id": review_id})
    approve = button_data(opened["value"], "guide_approve")
    return bot.invoke_as(LIC_MEMBER_AAD, LIC_MEMBER, "guide_approve", approve)


def record_usage(chat: Chat, guide: Locator, reference: str, prefix: str) -> None:
    chat.click_button("We used this briefing", within=guide)
    form = chat.wait_for_card(f"We used the {reference} briefing")
    assert chat.value("When you used it", within=form), "the date defaults to today"
    chat.fill("Team", "Locality team North", within=form)
    chat.fill("Number of staff (1 to 10,000)", 12, within=form)
    chat.fill("Your team's reflections", "We now ask to see the child on every visit.", within=form)
    chat.card_screenshot(f"{prefix}-usage-form", form)
    chat.click_button("Record it", within=form)
    done = chat.wait_for_card("Recorded.")
    text = card_text(done)
    assert "Recorded. 1 team has now used this briefing." in text, text
    chat.screenshot(f"{prefix}-usage-recorded", of=done)


# --- the Word pack -----------------------------------------------------------------------------


def download_the_pack(chat: Chat, bot: BotProcess, reference: str, prefix: str) -> Path:
    chat.send(f"pack {reference}")
    pack = chat.wait_for_card(f"Meeting pack · {reference}")
    chat.click_button("Download pack (Word)", within=pack)
    ready = chat.wait_for_card("Your file is ready")
    chat.card_screenshot(f"{prefix}-pack-docx", ready)
    text = card_text(ready)
    assert f"Saved the meeting pack for {reference}." in as_typed(text), text
    path = saved_export(bot.data_dir, text, "docx")
    assert path.is_file(), path
    assert bot.data_dir.resolve() in path.parents, f"{path} is outside {bot.data_dir}"
    return path


def docx_text(path: Path) -> str:
    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


# --- the story ---------------------------------------------------------------------------------


def test_records_an_outcome_with_two_action_items_and_publishes_the_guide(
    chat: Chat, bot: BotProcess
) -> None:
    prefix = "meeting"
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    reference = signed_off_review(chat, f"{prefix}-setup")

    pack = read_the_pack(chat, reference, prefix)
    card = open_the_outcome(chat, pack, reference)
    outcome = Outcome()
    fill_outcome(chat, card, outcome)
    typed = outcome_as_shown(chat, card)
    chat.card_screenshot(f"{prefix}-outcome-filled", card)

    # Nothing tells the chair to Save first: they go straight on to the action items.
    problems: list[str] = []
    card = add_action(chat, reference, SMART, 1, prefix)
    shown = outcome_as_shown(chat, card)
    if shown != typed:
        chat.card_screenshot(f"{prefix}-outcome-after-A1", card)
        problems.append(lost_outcome_fields(bot, typed, shown))
        # Carry on as the chair would: type it all again and Save before the next item.
        fill_outcome(chat, card, outcome)
        chat.click_button("Save", within=card)
        card = chat.wait_for_card("Outcome saved.")
    card = add_action(chat, reference, VAGUE, 2, prefix)
    assert outcome_as_shown(chat, card) == typed, outcome_as_shown(chat, card)
    chat.card_screenshot(f"{prefix}-outcome-two-actions", card)
    text = card_text(card)
    assert "Not SMART yet: 'raise awareness' is hard to measure" in text, text
    assert text.count("Not SMART yet") == 1, "only A2 is vague"

    # Publishing with the vague item neither sharpened nor kept is refused, and says why.
    chat.click_button("Publish outcome", within=card)
    card = chat.wait_for_card("Sharpen it, or choose it under")
    assert "Action 2: 'raise awareness' is hard to measure" in card_text(card), card_text(card)
    chat.card_screenshot(f"{prefix}-outcome-not-smart", card)

    chat.fill(KEEP_LABEL, ["A2"], within=card)
    published = publish(chat, reference, [SMART, VAGUE], prefix)

    guide = draft_edit_preview_publish_guide(chat, bot, published, reference, outcome, prefix)
    record_usage(chat, guide, reference, prefix)

    path = download_the_pack(chat, bot, reference, prefix)
    text = docx_text(path)
    assert "Combined impact chronology" in text, text[:2000]
    assert EVENT in text, text[:2000]
    assert PLAYGROUND_USER not in text, "member names never reach the pack"

    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
