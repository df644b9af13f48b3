"""Every free-text input on every card goes through the identifier guard (issue 15, part 3).

A journey opens every form the product draws, on SQLite, as the people who use them. For each
form, every text input (Input.Text) is tried in turn: that input holds a forename and surname,
the form's other inputs hold what the card prefilled or something plain, and the form's own
button sends it. The answer must show the guard's masked finding, which only the guard writes:
so that input was passed through `domain/identifiers.py`, whatever validator took it there.

The table below names every input id and what checks it, or why it is left alone (an
organisation's or a staff member's own name, a number, a directory id). An input on a card
that the table doesn't name fails the suite, and so does one named in the card builders'
source (cards/) but never drawn by the journey: add it to the table, and to the journey.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cards import verbs
from domain.identifier_checks import CONFIRM_PREFIX
from domain.questions import QuestionType, follow_up_input_id
from storage import tables as t
from tests.conftest import BotUnderTest
from tests.support.activities import USER_AAD
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    COLLEAGUE,
    LEAD,
    PRACTITIONER,
    Journey,
    button_data,
    good_action,
    guide_shown,
    journey_on,
    make_lic_member,
    open_review,
    police_id,
)

PROBE = "Spoke to Kelly Smith about it"
MASKED = "K\u2022\u2022\u2022\u2022 S\u2022\u2022\u2022\u2022"
PLAIN = "Attendance referrals reviewed"
CARDS_DIR = Path(__file__).resolve().parents[2] / "cards"

# What checks each free-text input (ids drawn per item are written with a *).
GUARDED: dict[str, str] = {
    "pseudonym": "domain/reviews.py (refused, not kept by a tick)",
    "reason": "domain/reviews.py, lifecycle.py, actions.py, retention.py: every reason",
    "period_under_review": "domain/reviews.py",
    "question": "domain/questions.py: a return's short and long text answers",
    "event": "domain/chronology.py",
    "source": "domain/chronology.py",
    "impact_on_child": "domain/chronology.py",
    "action_outcome": "domain/chronology.py",
    "missed_opportunity_reason": "domain/chronology.py",
    "comments": "domain/returns.py: the lead's comments when returning",
    "attendees_*": "domain/outcome.py",
    "learning_needs": "domain/outcome.py",
    "description": "domain/outcome.py: an action item",
    "success_measure": "domain/outcome.py",
    "finding": "domain/outcome.py",
    "part_*": "domain/guide.py",
    "team": "domain/meeting.py: guide usage",
    "reflections": "domain/meeting.py: guide usage",
    "note": "domain/actions.py: progress",
    "evidence": "domain/actions.py: completion, and the LIC's impact evidence",
    "how_much": "domain/actions.py: impact",
    "how_well": "domain/actions.py: impact",
    "better_off": "domain/actions.py: impact",
}
EXEMPT: dict[str, str] = {
    "name": "an agency's name: an organisation, typed by an admin",
    "display_name": "a staff member's name as Teams shows it: names are the point",
    "aad_object_id": "a directory id (a GUID), checked as one",
    "evidence_link": "a link, checked as an https address",
    "minute_reference": "the LIC's minute number, checked as a short reference",
    "staff_count": "a number",
    "closed_review_months": "a number",
    "export_file_days": "a number",
    "chaser_log_months": "a number",
    "reminder_days_before": "a number",
    "overdue_every": "a number",
    "escalate_after": "a number",
    "signoff_days": "a number",
    "work_starts": "a time of day",
    "work_ends": "a time of day",
}
# A return's text answers: short and long text questions, and a yes/no question's follow-up.
# The button that sends an input, where the form's main button ignores it (approving a return
# keeps no comments).
SENT_BY = {"comments": verbs.SIGNOFF_RETURN}
QUESTION_IDS = frozenset(
    q.id
    for s in BANK.sections
    for q in s.questions
    if q.type in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT)
) | frozenset(
    follow_up_input_id(q.id)
    for s in BANK.sections
    for q in s.questions
    if q.type is QuestionType.YES_NO_FOLLOWUP
)


RETURN_VERBS = frozenset({verbs.RETURN_SAVE, verbs.RETURN_NEXT, verbs.RETURN_BACK})


def key_of(input_id: str, verb: str | None = None) -> str:
    if input_id in QUESTION_IDS and verb in RETURN_VERBS:
        return "question"
    return re.sub(r"_\d+$", "_*", input_id)


# --- a card's forms -------------------------------------------------------------------------


@dataclass
class Form:
    """Inputs a button sends (its own card's and its parents'), and the buttons that send them."""

    inputs: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[dict[str, Any]] = field(default_factory=list)


def forms(card: dict[str, Any], inherited: tuple[dict[str, Any], ...] = ()) -> Iterator[Form]:
    form = Form(list(inherited))
    nested: list[dict[str, Any]] = []
    _collect(card, form, nested, top=True)
    yield form
    for show in nested:
        yield from forms(show, tuple(form.inputs))


def _collect(node: Any, form: Form, nested: list[dict[str, Any]], *, top: bool = False) -> None:
    if isinstance(node, list):
        for item in node:
            _collect(item, form, nested)
        return
    if not isinstance(node, dict):
        return
    kind = str(node.get("type", ""))
    if kind == "AdaptiveCard" and not top:
        nested.append(node)
        return
    if kind.startswith("Input."):
        form.inputs.append(node)
    if kind == "Action.Execute" and node.get("verb") in verbs.STATE_CHANGING:
        form.buttons.append(node)
        return  # its fallback is the same button
    for key, value in node.items():
        if key != "fallback":
            _collect(value, form, nested)


def _sender(form: Form, input_id: str) -> dict[str, Any] | None:
    """The button that sends this input: its form's main one, unless that ignores it."""
    if not form.buttons:
        return None
    wanted = SENT_BY.get(key_of(input_id))
    main = next((b for b in form.buttons if b.get("style") == "positive"), form.buttons[0])
    return next((b for b in form.buttons if b.get("verb") == wanted), main)


def filled(element: dict[str, Any]) -> str:
    """What a person would leave in an input they aren't writing in: what the card prefilled,
    or something plain and valid."""
    kind, input_id = element["type"], str(element["id"])
    if kind == "Input.Toggle":
        # On, so what it opens is read ("missed opportunity: why"); never the guard's own tick.
        off = input_id.startswith(CONFIRM_PREFIX)
        return str(element.get("valueOff" if off else "valueOn", "false" if off else "true"))
    if element.get("value") not in (None, ""):
        return str(element["value"])
    if kind == "Input.Text" and key_of(input_id) in EXEMPT:
        return ""  # a link or a number: left empty, it is optional or shows its own error
    if kind == "Input.ChoiceSet":
        return str(element["choices"][0]["value"]) if element.get("choices") else ""
    if kind == "Input.Date":
        future = any(word in input_id for word in ("due", "meeting", "until", "extend"))
        return "2099-03-31" if future else "2025-01-10"
    if kind == "Input.Number":
        return "3"
    return PLAIN


# --- the journey ----------------------------------------------------------------------------


class Probing(Journey):
    """Tries every text input of every form it is shown; remembers what each try showed."""

    def __init__(self, bot: BotUnderTest) -> None:
        super().__init__(bot)
        self.drawn: set[str] = set()
        # (input, verb) -> whether the name typed there came back masked by the guard.
        self.proven: dict[tuple[str, str], bool] = {}

    async def probe(self, verb: str, data: dict[str, Any], aad: str = USER_AAD) -> None:
        reply = await self.act(verb, data, aad)
        assert reply["type"] == "application/vnd.microsoft.card.adaptive", reply
        await self.probe_card(reply["value"], aad)

    async def probe_card(self, card: dict[str, Any], aad: str = USER_AAD) -> None:
        for form in forms(card):
            texts = [i for i in form.inputs if i["type"] == "Input.Text"]
            for element in texts:
                button = _sender(form, element["id"])
                verb = str(button["verb"]) if button else ""
                key = key_of(element["id"], verb)
                self.drawn.add(key)
                if key in EXEMPT or button is None or self.proven.get((key, verb)):
                    continue
                self.proven[key, verb] = await self._tried(form, button, element, aad)

    async def _tried(
        self, form: Form, button: dict[str, Any], probed: dict[str, Any], aad: str
    ) -> bool:
        data = {str(i["id"]): filled(i) for i in form.inputs}
        data.update(button["data"])
        data[probed["id"]] = PROBE
        reply = await self.act(button["verb"], data, aad)
        return MASKED in json.dumps(reply, ensure_ascii=False)


async def before_submission(j: Probing) -> tuple[int, int]:
    await j.say("new review")
    await j.probe_card(j.bot.connector.cards()[-1])
    review_id, return_id = await open_review(j)
    await j.probe(verbs.REVIEW_MANAGE, {"review_id": review_id})
    # A second agency, so the first one's "remove" form gets as far as its reason.
    health = next(a.id for a in j.rows(t.Agency) if a.name != "Demo Police")
    await j.act(verbs.REVIEW_ADD_AGENCY, {"review_id": review_id, "agency_id": str(health)})
    await j.probe(verbs.REVIEW_AGENCY, {"return_id": return_id})
    [added] = [r.id for r in j.rows(t.PreAnalysisReturn) if r.agency_id == health]
    removed = {"return_id": added, "reason": "Added by mistake"}
    assert "removed" in json.dumps(await j.act(verbs.REVIEW_REMOVE_AGENCY, removed))
    for index in range(len(BANK.sections)):
        section = {"return_id": return_id, "section": index}
        await j.probe(verbs.RETURN_OPEN, section, PRACTITIONER)
    await j.probe(verbs.ENTRY_FORM, {"return_id": return_id}, PRACTITIONER)
    return review_id, return_id


async def to_sign_off(j: Probing, return_id: int) -> None:
    # Plain text over every answer the probes left a name in (sent from the section's own card,
    # with the answers' revisions), and the journey's answers.
    for index, section in enumerate(BANK.sections):
        opened = {"return_id": return_id, "section": index}
        card = (await j.act(verbs.RETURN_OPEN, opened, PRACTITIONER))["value"]
        data = button_data(card, verbs.RETURN_NEXT)
        data |= {q.id: PLAIN for q in section.questions if q.id in QUESTION_IDS}
        follow_ups = (follow_up_input_id(q.id) for q in section.questions)
        data |= {i: "" for i in follow_ups if i in QUESTION_IDS}
        data |= valid_answers(section)
        if section.repeatable:
            data["episode"] = 1
        await j.act(verbs.RETURN_NEXT, data, PRACTITIONER)
    entry = {
        "return_id": return_id,
        "event_date": "2025-01-10",
        "source": "school log",
        "event": "School raised concern about attendance",
        "themes": "neglect",
    }
    await j.act(verbs.ENTRY_SAVE, entry, PRACTITIONER)
    submitted = await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    assert "submitted" in json.dumps(submitted), submitted
    await j.probe(verbs.SIGNOFF_OPEN, {"return_id": return_id}, LEAD)
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": return_id}, LEAD)


async def the_meeting(j: Probing, review_id: int) -> int:
    shown = {"review_id": review_id}
    await j.probe(verbs.OUTCOME, shown)
    await j.probe(verbs.ACTION_FORM, {**shown, "new": True})
    action = {**shown, **good_action(police_id(j)), "due_on": "2027-03-31"}
    await j.act(verbs.ACTION_SAVE, action)
    await j.act(
        verbs.OUTCOME_PUBLISH,
        {
            **shown,
            "agreed_themes": "neglect",
            "learning_needs": "Escalate sooner\nShare health visits\nSee the child at every visit",
        },
    )
    await j.probe(verbs.GUIDE, shown)
    plain = {f"part_{index}": PLAIN for index in range(7)}  # over the names the probes left
    sent = await j.act(verbs.GUIDE_SUBMIT, {**shown, **plain})
    assert "Sent for approval" in json.dumps(sent), sent
    make_lic_member(j, COLLEAGUE)  # a second person approves: then it is published
    await j.probe(verbs.GUIDE, shown, COLLEAGUE)  # the approver's send-back note
    published = await j.act(verbs.GUIDE_APPROVE, guide_shown(j.bot, review_id), COLLEAGUE)
    assert "version 1 published" in json.dumps(published), published
    await j.probe(verbs.GUIDE_USAGE_FORM, shown, PRACTITIONER)
    [item] = j.rows(t.ActionItem)
    assert item.id is not None
    return item.id


async def the_action(j: Probing, action_id: int) -> None:
    item = {"action_id": action_id}
    await j.probe(verbs.ACTION_VIEW, item, PRACTITIONER)
    await j.act(
        verbs.ACTION_NEW_DATE,
        {**item, "reason": PLAIN, "proposed_due_on": "2099-06-30"},
        PRACTITIONER,
    )
    await j.probe_card(j.bot.connector.cards()[-1])  # the chair's decision card
    await j.act(verbs.ACTION_COMPLETE, {**item, "evidence": "Audit done"}, PRACTITIONER)
    with j.bot.db.session() as session, session.begin():
        chair = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        session.add(t.MemberRole(member_id=chair.id, role="lic_member"))
    await j.probe(verbs.ACTION_VIEW, item)


async def the_admin(j: Probing, review_id: int) -> None:
    await j.probe(verbs.AGENCY_FORM, {"agency_id": police_id(j)})
    member = next(m for m in j.rows(t.Member) if m.aad_object_id == PRACTITIONER)
    await j.probe(verbs.MEMBER_FORM, {"member_id": member.id})
    await j.probe(verbs.MEMBER_FORM, {})
    await j.probe(verbs.RETENTION, {})
    await j.probe(verbs.POLICY, {})
    await j.probe(verbs.LEGAL_HOLD, {"review_id": review_id})


@pytest.fixture
async def probed(bot: BotUnderTest) -> Probing:
    await journey_on(bot)
    j = Probing(bot)
    review_id, return_id = await before_submission(j)
    await to_sign_off(j, return_id)
    action_id = await the_meeting(j, review_id)
    await the_action(j, action_id)
    await the_admin(j, review_id)
    return j


# --- the checks -----------------------------------------------------------------------------


async def test_every_free_text_input_is_passed_through_the_guard(probed: Probing) -> None:
    unnamed = probed.drawn - GUARDED.keys() - EXEMPT.keys()
    assert not unnamed, f"name these inputs in GUARDED or EXEMPT, and guard them: {unnamed}"
    unchecked = sorted(pair for pair, shown in probed.proven.items() if not shown)
    assert not unchecked, f"a name typed here was not caught by the identifier guard: {unchecked}"
    untried = sorted(GUARDED.keys() - {key for key, _ in probed.proven})
    assert not untried, f"the journey never tried these guarded inputs: {untried}"
    # A text input added to a card builder that the journey never opens fails here.
    named = set()
    for source in CARDS_DIR.glob("*.py"):
        text = source.read_text()
        named |= set(re.findall(r'text_input\(\s*f?"([a-z_]+)', text))
        named |= set(re.findall(r'InputText\(\s*id="([a-z_]+)"', text))
    named = {key_of(n.rstrip("_") + "_1") if n.endswith("_") else n for n in named}
    assert named - probed.drawn == set(), "open these forms in the journey above"
    assert GUARDED.keys() | EXEMPT.keys() >= named
