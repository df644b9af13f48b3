"""Issue 17 end to end in the Agents Playground: the action loop closes, and every view
tells the same story at each step.

Both journeys start from the demo review LOS-2026-003 "Child S", in analysis with every return
signed off (storage/demo_journeys.py), so no return has to be written first. Alex Wilber, the
Playground's user, chairs it, is a safeguarding lead of Demo Police and (with no LIC channel
registered) the LIC member who gets the record-impact card in his own chat.

1. The owner's own loop: Alex publishes one item he owns; its first card arrives with the
   owner's moves; he updates progress, marks it complete with evidence, records the impact
   and closes it, which closes the review; `my actions` and the summary agree.
2. The whole loop (issue 17's "Tests"): the item is the Police Practitioner's. Time moves by
   the bot's test hooks (LOS_TEST_HOOKS=1: POST /_test/clock and /_test/sweep; the background
   sweep is off), chaser by chaser, until the item is overdue and its chasers unanswered, and
   Demo Police's leads are copied. Alex, as the lead, reassigns it from the escalation copy to
   the Police Safeguarding Lead, who completes it; Alex, as the LIC group, escalates it; as the
   chair he sets a new date; the owner completes it again; the LIC group closes it. At every
   step the summary card, the XLSX tracker downloaded from it (read with openpyxl) and the
   dashboard's line for Demo Police (its count in each status, and overdue) agree on the
   item's status, RAG, owner and lateness.

People other than Alex act from their own Teams: an invoke from them to the bot
(`BotProcess.invoke_as`), from a stand-in for their Teams clients (`OtherClients`) that keeps
what the bot sends them, so the test checks the chasers the owner got, the new owner's full
card and the old owner's notice. (The Playground itself answers 500 for anyone but Alex.)

Screenshots of whole cards go to test-artifacts/e2e/actions-*.png and loop-*.png, with each
step's tracker as loop-*-tracker.xlsx.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

import openpyxl
import pytest
from playwright.sync_api import Locator

from domain.action_state import STATUS_LABELS, status_words
from domain.calendar import london_today
from domain.chase_engine import ACTION
from domain.summaries import short_date
from storage.demo_journeys import MEETING
from tests.e2e.conftest import BotOptions
from tests.e2e.harness import (
    ARTIFACTS,
    PLAYGROUND_USER,
    BotProcess,
    Chat,
    OtherClients,
    saved_export,
)
from tests.e2e.test_chaser_journey import POLICY, next_chase_at, sweep_at
from tests.e2e.test_meeting_journey import SMART, friendly
from tests.e2e.test_return_journey import card_text

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


@pytest.fixture
def bot_options() -> BotOptions:
    # Time moves only by the test hooks: every chaser comes from a sweep the test asks for.
    return BotOptions(env={"LOS_TEST_HOOKS": "1", "RUN_SCHEDULER": "false"})


REFERENCE = "LOS-2026-003"
PSEUDONYM = "Child S"
ITEM = f"{REFERENCE}/A1"
PROGRESS = "Twelve of the twenty call-outs are audited; the rest are booked for next week."
EVIDENCE = "Audited 20 call-outs in January: the child was seen and spoken to in 19."
IMPACT = {
    "How much did we do?": "20 call-outs audited; 140 officers briefed.",
    "How well did we do it?": "19 of 20 records show the child seen and spoken to (target 18).",
    "Is anyone better off?": "Children's own words now reach the referral in most call-outs.",
    "Evidence (audit, re-audit, survey, data)": "Re-audit report to the LIC group.",
    "LIC minute reference": "LIC 2027/04",
}
OWNER_MOVES = ["Update progress", "Mark complete", "Ask for a new date", "Blocked"]


def buttons(card: Locator) -> list[str]:
    titles: list[str] = card.locator(".ac-actionSet button").evaluate_all(
        "(buttons) => buttons.map((b) => b.title || b.innerText)"
    )
    return titles


def form_in(card: Locator, field: str) -> Locator:
    """The visible show-card form of `card` that holds `field`."""
    form = card.locator(".ac-adaptiveCard").filter(has_text=field).filter(visible=True)
    form.wait_for(state="visible")
    return form


def publish_one_action(chat: Chat, owner: str = SMART.owner) -> Locator:
    """From the demo's ready pack: record the outcome, add one SMART item for `owner`,
    publish. Returns the "Outcome published" card."""
    chat.send(f"pack {REFERENCE}")
    pack = chat.wait_for_card(f"Meeting pack · {REFERENCE}")
    chat.click_button("Record the outcome", within=pack)
    outcome = chat.wait_for_card(f"Meeting outcome · {REFERENCE}")
    chat.fill("Agreed key learning themes", [SMART.theme], within=outcome)
    chat.fill(
        "Specific learning needs (one per line)",
        "See and speak to the child at every domestic call-out",
        within=outcome,
    )
    chat.click_button("Save", within=outcome)
    chat.wait_for_card("Outcome saved.")
    outcome = chat.card_with(f"Meeting outcome · {REFERENCE}")
    chat.click_button("Add action item", within=outcome)
    form = chat.wait_for_card("Add an action item")
    assert f"{REFERENCE} · {PSEUDONYM}" in card_text(form), card_text(form)
    chat.fill("What will be done (specific, measurable)", SMART.description, within=form)
    chat.fill("Theme it addresses", SMART.theme, within=form)
    chat.fill("Owner", owner, within=form)
    chat.fill("Lead agency", SMART.agency, within=form)
    chat.fill("Due date", SMART.due, within=form)
    chat.fill("How will we know it made a difference?", SMART.measure, within=form)
    chat.click_button("Save action item", within=form)
    outcome = chat.wait_for_card("Action 1 saved.")
    chat.click_button("Publish outcome", within=outcome)
    return chat.wait_for_card(f"Outcome published · {REFERENCE}")


def my_actions_row(chat: Chat) -> dict[str, str]:
    chat.send("my actions")
    mine = chat.wait_for_card("Most urgent first")  # not the buttons titled "My actions"
    return {k: v for k, v in chat.facts(mine).items() if ITEM in k or ITEM in v}


def test_the_owner_updates_and_completes_the_lic_closes_and_the_review_closes(
    chat: Chat,
) -> None:
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    published = publish_one_action(chat)
    chat.card_screenshot("actions-01-published", published)
    first = chat.wait_for_card(f"Your action · {ITEM}")
    text = card_text(first)
    assert f"{REFERENCE} · {PSEUDONYM}" in text, text
    assert SMART.description in text, text
    facts = chat.facts(first)
    assert facts["Status"] == "Open", facts
    assert facts["Due"] == friendly(SMART.due), facts
    # The owner's first card is the full action card: every move the open item allows.
    assert buttons(first)[:4] == OWNER_MOVES, buttons(first)
    chat.card_screenshot("actions-02-first-card", first)

    # Update progress: the form opens under the button; the card comes back with the note.
    chat.click_button("Update progress", within=first)
    form = form_in(first, "What has happened since the last update?")
    chat.fill("What has happened since the last update?", PROGRESS, within=form)
    chat.fill("Your assessment", "On track", within=form)
    chat.click_button("Save update", within=form)
    updated = chat.wait_for_card("Progress recorded. Thank you.")
    facts = chat.facts(updated)
    assert facts["Latest update"].startswith(f"{PROGRESS} ({PLAYGROUND_USER}, "), facts
    assert facts["Status"] in ("Open", "In progress"), facts
    chat.card_screenshot("actions-03-progress", updated)

    # Mark complete with evidence: the LIC member's record-impact card arrives on its own.
    chat.click_button("Mark complete", within=updated)
    form = form_in(updated, "Evidence of completion")
    chat.fill("Evidence of completion", EVIDENCE, within=form)
    messages = chat.bot_messages.count()
    chat.click_button("Mark complete", within=form)
    done = chat.wait_for_card("Marked complete.")
    assert chat.facts(done)["Status"] == "Completed", chat.facts(done)
    assert "Mark complete" not in buttons(done), buttons(done)
    chat.card_screenshot("actions-04-completed", done)
    impact = chat.wait_for_card(f"Record impact · {ITEM}")
    assert chat.bot_messages.count() == messages + 1, "the impact card is a message of its own"
    assert chat.facts(impact)["Evidence of completion"] == EVIDENCE, chat.facts(impact)

    # The LIC queue lists it.
    chat.send("awaiting impact")
    queue = chat.wait_for_card("Awaiting impact")
    assert ITEM in card_text(queue), card_text(queue)
    chat.card_screenshot("actions-05-awaiting-impact", queue)

    for label, value in IMPACT.items():
        chat.fill(label, value, within=impact)
    chat.fill("Decision", "Close: impact evidenced", within=impact)
    chat.card_screenshot("actions-06-record-impact", impact)
    chat.click_button("Record impact", within=impact)
    closed = chat.wait_for_card("The item is closed: chasing has stopped.")
    text = card_text(closed)
    assert f"Every action of {REFERENCE} is closed, so the review is closed." in text, text
    chat.card_screenshot("actions-07-closed", closed)
    chat.wait_for_card("The LIC group recorded its impact and closed it. Thank you.")
    # The chair's notice is about the review: titled with it, and leading to its summary.
    notice = chat.wait_for_card(f"The last to close was {ITEM}.")
    assert f"Review closed · {REFERENCE}" in card_text(notice), card_text(notice)
    assert buttons(notice) == ["Review summary"], buttons(notice)

    # Every view tells the same story: off the owner's list, Closed in the summary.
    assert my_actions_row(chat) == {}, "a closed item leaves my actions"
    chat.send(f"summary {REFERENCE}")
    summary = chat.wait_for_card(f"Summary · {REFERENCE}")
    chat.card_screenshot("actions-08-summary", summary)
    facts = chat.facts(summary)
    assert facts["Stage"] == "Closed", facts
    # Held on the day the outcome recorded: the card offers the planned day once it has
    # come, else today (not a planned day still to come).
    held = min(MEETING, london_today())
    assert facts["Meeting"] == f"Held {short_date(held)}", facts
    assert "Blue: 1" in card_text(summary) or "1 blue" in card_text(summary), card_text(summary)
    # A closed review has no controls: its summary offers none that would then be refused.
    assert "Manage review" not in buttons(summary), buttons(summary)


# --- the whole loop: overdue, the lead reassigns, the LIC escalates, the chair decides -------

OWNER = "Police Practitioner (demo)"  # storage/demo.py's police practitioner
OWNER_AAD = "00000000-0000-0000-0000-000000000101"
NEW_OWNER = "Police Safeguarding Lead (demo)"  # storage/demo.py's police lead
NEW_OWNER_AAD = "00000000-0000-0000-0000-000000000102"
AGENCY = "Demo Police"
REASON = "Our practitioner is on long-term leave; the lead's own team will run the audit."
NEW_DATE_REASON = "The re-audit needs the new recording system, live next month."
LIVE = ("open", "in_progress", "blocked", "escalated")


@pytest.fixture
def clients() -> Iterator[OtherClients]:
    with OtherClients() as running:
        yield running


def card_texts(cards: list[dict[str, object]]) -> list[str]:
    return [json.dumps(card, ensure_ascii=False) for card in cards]


def titles(card: dict[str, object]) -> list[str]:
    actions = card.get("actions")
    return [str(a.get("title")) for a in actions] if isinstance(actions, list) else []


def item_row(bot: BotProcess) -> tuple[int, str, str | None]:
    """The item's id, status and owner's name, read (read-only) from the bot's database."""
    database = bot.data_dir / "lineofsight.db"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        row = db.execute(
            "SELECT a.id, a.status, m.display_name FROM action_item a "
            "LEFT JOIN member m ON m.id = a.owner_member_id WHERE a.reference = ?",
            (ITEM,),
        ).fetchone()
    assert row is not None, f"no {ITEM} in {database}"
    return int(row[0]), str(row[1]), row[2]


def logged(bot: BotProcess, recipient: str, *, copies: bool = False) -> int:
    """How many of the item's chasers (`copies`: escalation copies) the bot logged as sent to
    `recipient` ("owner", "agency_lead", "chair", ...)."""
    database = bot.data_dir / "lineofsight.db"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM chaser_log l JOIN action_item a ON a.id = l.subject_id "
            "WHERE l.subject_type = ? AND a.reference = ? AND (l.kind = 'escalation') = ? "
            "AND l.recipient = ? AND l.outcome = 'sent'",
            (ACTION, ITEM, copies, recipient),
        ).fetchone()
    return int(count)


def chase_until_the_lead_is_copied(bot: BotProcess) -> dt.datetime:
    """Move the bot's clock to each planned chaser in turn and sweep, until the agency lead has
    been copied; returns the bot's clock then."""
    for _ in range(15):
        planned = next_chase_at(bot, ITEM)
        assert planned is not None, "an open item always has a next chaser"
        moment = planned + dt.timedelta(hours=1)
        sweep_at(bot, moment)
        if logged(bot, "agency_lead", copies=True):
            return moment
    raise AssertionError("the agency lead was never copied")


@dataclass(frozen=True)
class Seen:
    """The item as one view shows it: status (its stored value), RAG, owner, overdue."""

    status: str
    rag: str
    owner: str
    overdue: bool


def seen_in_summary(chat: Chat, prefix: str) -> tuple[Seen, Locator]:
    chat.send(f"summary {REFERENCE}")
    summary = chat.wait_for_card(f"Summary · {REFERENCE}", timeout=60)
    chat.card_screenshot(f"{prefix}-summary", summary)
    # The item's row: its RAG, then "A1 <what>", then "<owner> · <agency> · due … · <status>".
    lines = [line.strip() for line in summary.inner_text().splitlines() if line.strip()]
    at = next(i for i, line in enumerate(lines) if line.startswith("A1 "))
    rag = lines[at - 1]
    details = next(line for line in lines[at:] if " · due " in line)
    owner, _agency, _due, status = details.split(" · ")
    by_label = {status_words(value): value.value for value in STATUS_LABELS}
    return Seen(by_label[status], rag, owner, overdue=False), summary


def seen_in_tracker(chat: Chat, bot: BotProcess, summary: Locator, prefix: str) -> Seen:
    """The summary's Tracker (Excel), downloaded as the chair would, read with openpyxl."""
    chat.click_button("Tracker (Excel)", within=summary)
    ready = chat.wait_for_card("Your file is ready", timeout=60)
    path = saved_export(bot.data_dir, card_text(ready), "xlsx")
    assert bot.data_dir.resolve() in path.parents, path
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, ARTIFACTS / f"{prefix}-tracker.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book["Tracker"].iter_rows(values_only=True))
    header = list(rows[0])
    [line] = [r for r in rows[1:] if r[header.index("Action reference")] == ITEM]
    by_name = {name: value.value for value, name in STATUS_LABELS.items()}
    status = by_name[str(line[header.index("Status")])]
    return Seen(status, str(line[header.index("RAG")]), str(line[header.index("Owner")]), False)


def dashboard_counts(chat: Chat, prefix: str) -> dict[str, int]:
    """The dashboard's line for the agency: how many of its items are in each status, and
    how many are overdue ("overdue")."""
    chat.send("dashboard")
    board = chat.wait_for_card("Partnership dashboard", timeout=60)
    chat.card_screenshot(f"{prefix}-dashboard", board)
    line = chat.facts(board)[AGENCY]
    by_label = {status_words(value): value.value for value in STATUS_LABELS}
    counts = {
        by_label[label]: int(n)
        for n, label in re.findall(r"(\d+) ([a-z ]+?)(?= ·|$)", line)
        if label in by_label
    }
    late = re.search(r"(\d+) overdue", line)
    counts["overdue"] = int(late.group(1)) if late else 0
    return counts


@dataclass
class Views:
    """Every view of the item, checked to agree at each step: the summary card, the XLSX
    tracker from it, and the dashboard's count for the agency (against the counts with the
    item taken out, as first seen)."""

    chat: Chat
    bot: BotProcess
    others: dict[str, int] = field(default_factory=dict)

    def agree(self, prefix: str, status: str, rag: str, owner: str, overdue: bool) -> None:
        want = Seen(status, rag, owner, overdue=False)
        seen, summary = seen_in_summary(self.chat, prefix)
        assert seen == want, (prefix, "summary", seen, want)
        tracked = seen_in_tracker(self.chat, self.bot, summary, prefix)
        assert tracked == want, (prefix, "tracker", tracked, want)
        counts = dashboard_counts(self.chat, prefix)
        if not self.others:  # the first look: the agency's other items, without this one
            self.others = {**counts, status: counts[status] - 1, "overdue": counts["overdue"]}
            self.others["overdue"] -= 1 if overdue else 0
        expected = {**self.others, status: self.others.get(status, 0) + 1}
        expected["overdue"] += 1 if overdue else 0
        expected = {k: v for k, v in expected.items() if v or k == "overdue"}
        assert counts == expected, (prefix, "dashboard", counts, expected)


def complete_as_the_new_owner(
    chat: Chat, bot: BotProcess, clients: OtherClients, item_id: int
) -> None:
    """The new owner's Mark complete, in their own chat; the record-impact card reaches the
    LIC group (Alex)."""
    chat.mark()
    done = bot.invoke_as(
        NEW_OWNER_AAD,
        NEW_OWNER,
        "action_complete",
        {"action_id": item_id, "evidence": EVIDENCE},
        service_url=clients.url,
    )
    assert "Marked complete." in json.dumps(done), done
    impact = chat.wait_for_card(f"Record impact · {ITEM}", timeout=60)
    assert f"completed by {NEW_OWNER}" in card_text(impact), card_text(impact)


def record_impact(chat: Chat, decision: str, shot: str) -> None:
    """The LIC group's impact record on the newest record-impact card, with `decision`."""
    impact = chat.card_with(f"Record impact · {ITEM}")
    for label, value in IMPACT.items():
        chat.fill(label, value, within=impact)
    chat.fill("Decision", decision, within=impact)
    chat.card_screenshot(shot, impact)
    chat.click_button("Record impact", within=impact)


def test_overdue_the_lead_reassigns_the_lic_escalates_the_chair_decides_and_it_closes(
    chat: Chat, bot: BotProcess, clients: OtherClients
) -> None:
    # A loaded machine (2 cores, a bot, a Playground and Chromium) answers slowly at times.
    chat.timeout = 45.0
    chat.page.set_default_timeout(45_000)
    chat.wait_for_card(f"Welcome, {PLAYGROUND_USER}", timeout=30)
    # The owner and the new owner have used the bot from their own Teams (so it can reach them).
    for aad, name in ((OWNER_AAD, OWNER), (NEW_OWNER_AAD, NEW_OWNER)):
        bot.invoke_as(aad, name, "help", {}, service_url=clients.url)
    published = publish_one_action(chat, owner=OWNER)
    chat.card_screenshot("loop-01-published", published)
    assert "1 action item now tracked." in card_text(published), card_text(published)
    # The owner was sent their card. The contributors are demo people the Playground can't
    # reach, and the chair is told so, by name (meeting.published_lines).
    assert "Each owner has their action card." in card_text(published), card_text(published)
    assert "pass their action on" not in card_text(published), card_text(published)
    item_id, status, owner = item_row(bot)
    assert (status, owner) == ("open", OWNER), (status, owner)

    # Overdue by the clock: the owner's chasers go unanswered, and the agency's leads (Alex
    # among them) are copied. Nothing is copied to the chair yet.
    now = chase_until_the_lead_is_copied(bot)
    assert logged(bot, "owner") >= 3, "the owner was chased before the lead was copied"
    assert logged(bot, "chair", copies=True) == 0, "the chair is copied only later"
    chased = card_texts(clients.cards_to(OWNER_AAD))
    assert sum(f"Reminder: Your action · {ITEM}" in text for text in chased) >= 3, chased
    escalation = chat.wait_for_card(f"Escalation · {ITEM}", new=False, timeout=60)
    chat.card_screenshot("loop-02-lead-escalation", escalation)
    text = card_text(escalation)
    assert re.search(rf"{re.escape(OWNER)}'s action is \d+ working days? late\.", text), text
    assert "For you as the agency's safeguarding lead" in text, text
    facts = chat.facts(escalation)
    assert facts["Owner"] == f"{OWNER} · {AGENCY}", facts
    assert int(facts["Chasers unanswered"]) >= 2, facts
    assert buttons(escalation) == [
        "Nudge the owner",
        "Reassign",
        "Propose a new date",
        "Ask the chair to reassign",
        f"Open {ITEM}",
    ], buttons(escalation)
    views = Views(chat, bot)
    views.agree("loop-03-overdue", "open", "Red", OWNER, overdue=True)

    # The lead reassigns it, within the agency, from the escalation copy.
    escalation = chat.card_with(f"Escalation · {ITEM}")
    chat.click_button("Reassign", within=escalation)
    form = form_in(escalation, "New owner, in your agency")
    chat.fill("New owner, in your agency", NEW_OWNER, within=form)
    chat.fill("Why, for both owners, the chair and the record", REASON, within=form)
    chat.card_screenshot("loop-04-reassign-form", escalation)
    chat.click_button("Reassign", within=form)
    reassigned = chat.wait_for_card(f"Reassigned to {NEW_OWNER}", timeout=30)
    chat.card_screenshot("loop-05-reassigned", reassigned)
    # Alex chairs the review too: he is not told of his own move as if by someone else.
    said = card_text(reassigned)
    assert f"{NEW_OWNER} has been sent it. {OWNER}, who had it, has been told." in said, said
    assert "chair has been told" not in said, said
    assert item_row(bot)[2] == NEW_OWNER, item_row(bot)
    [given] = [c for c in clients.cards_to(NEW_OWNER_AAD) if "has given you this action" in str(c)]
    assert titles(given) == [*OWNER_MOVES, "My actions"], "the new owner gets the full action card"
    assert REASON in json.dumps(given, ensure_ascii=False)
    told = card_texts(clients.cards_to(OWNER_AAD))
    assert any(f"{PLAYGROUND_USER} gave {ITEM} to {NEW_OWNER}." in text for text in told), told
    views.agree("loop-06-reassigned", "open", "Red", NEW_OWNER, overdue=True)

    # The new owner completes it in their own chat; the LIC group (Alex) gets the impact card.
    complete_as_the_new_owner(chat, bot, clients, item_id)
    views.agree("loop-07-completed", "completed", "Green", NEW_OWNER, overdue=False)

    # The LIC group escalates it: the chair (Alex) gets it to decide.
    record_impact(chat, "Escalate", "loop-08-escalate")
    recorded = chat.wait_for_card("The item is escalated to the chair.", timeout=60)
    chat.card_screenshot("loop-09-escalated", recorded)
    assert buttons(recorded) == ["Next in awaiting impact", "Review summary"], "a way on"
    decide = chat.wait_for_card(f"For your decision: action · {ITEM}", timeout=60)
    chat.card_screenshot("loop-10-chair-decides", decide)
    assert "The LIC group escalated this to you to decide" in card_text(decide)
    # Their reasons are on the item itself, each answer its own fact.
    decided = chat.facts(decide)
    assert decided["LIC decision"].startswith("Escalated to the chair on "), decided
    assert "minute LIC 2027/04" in decided["LIC decision"], decided
    assert decided["How well did we do it?"] == IMPACT["How well did we do it?"], decided
    assert decided["Is anyone better off?"] == IMPACT["Is anyone better off?"], decided
    assert buttons(decide) == [
        "Set a new date",
        "Not achievable",
        "Reopen",
        "Reassign",
        "Split in two",
        "Review summary",
        "More options",  # Teams draws six: "My actions", the seventh, is in the "…" menu
    ], buttons(decide)
    views.agree("loop-11-escalated", "escalated", "Red", NEW_OWNER, overdue=True)

    # The chair sets a new date: the item is back with its owner, due then.
    new_due = POLICY.calendar.next_working_day(now.date() + dt.timedelta(days=30))
    decide = chat.card_with(f"For your decision: action · {ITEM}")
    chat.click_button("Set a new date", within=decide)
    form = form_in(decide, "New due date")
    chat.fill("New due date", new_due, within=form)
    chat.fill("Why, for the owner and the record", NEW_DATE_REASON, within=form)
    chat.click_button("Set the date", within=form)
    dated = chat.wait_for_card(f"New date set: {friendly(new_due)}", timeout=30)
    chat.card_screenshot("loop-12-new-date", dated)
    views.agree("loop-13-new-date", "in_progress", "Green", NEW_OWNER, overdue=False)

    # The owner completes it again; the LIC group closes it, and with it the review.
    back = card_texts(clients.cards_to(NEW_OWNER_AAD))
    assert any("The chair set a new date" in text for text in back), back
    complete_as_the_new_owner(chat, bot, clients, item_id)
    views.agree("loop-14-completed-again", "completed", "Green", NEW_OWNER, overdue=False)
    record_impact(chat, "Close: impact evidenced", "loop-15-close")
    closed = chat.wait_for_card("The item is closed: chasing has stopped.", timeout=60)
    chat.card_screenshot("loop-16-closed", closed)
    text = card_text(closed)
    assert f"Every action of {REFERENCE} is closed, so the review is closed." in text, text
    assert buttons(closed) == ["Next in awaiting impact", "Review summary"], buttons(closed)
    views.agree("loop-17-closed", "closed", "Blue", NEW_OWNER, overdue=False)
    assert item_row(bot)[1] == "closed"
