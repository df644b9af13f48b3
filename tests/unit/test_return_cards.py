"""Return cards stay valid and inside the Teams size limit, even with every answer at its
maximum length."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from cards import returns as cards
from cards import reviews as review_cards
from cards import verbs
from cards.common import (
    PASTE_SIZED,
    build,
    button,
    button_json,
    dumped,
    header,
    header_json,
    shown_label,
    text_input,
)
from cards.validation import card_problems
from domain.chronology import page
from domain.errors import field_error
from domain.lifecycle import ManageScreen
from domain.model import DateCertainty, ReturnStatus, ReviewStage
from domain.questions import (
    QuestionType,
    default_question_bank,
    follow_up_input_id,
    validate_section_answers,
)
from domain.records import (
    ChronologyView,
    EntryInput,
    ReturnView,
    ReviewProgress,
    ReviewView,
    SentBack,
)
from domain.returns import (
    COMMENTS_MAX,
    AfterSignOff,
    EpisodeSummary,
    Overview,
    SectionScreen,
    SectionStatus,
    still_unsigned,
)
from domain.reviews import defaults

BANK = default_question_bank()
RET = ReturnView(
    id=1,
    partnership_id=1,
    review_id=1,
    reference="LOS-2026-004",
    pseudonym="Child K",
    review_stage=ReviewStage.PRE_ANALYSIS,
    chair_member_id=1,
    agency_id=1,
    agency_name="Demo Children's Social Care",
    status=ReturnStatus.IN_PROGRESS,
    due_on=date(2026, 12, 11),
    current_section=0,
    bank_version="1",
    sent_back=SentBack("é" * 2000),
    assignee_ids=frozenset({2}),
    submitted_at=None,
)
REVIEW = ReviewView(
    1,
    1,
    "LOS-2026-004",
    "Child K",
    "r" * 2000,
    1,
    ReviewStage.DRAFT,
    date(2026, 11, 2),
    date(2026, 11, 23),
    date(2026, 12, 14),
)


def maxed_values(index: int, letter: str = "x") -> dict[str, str]:
    values: dict[str, str] = {}
    for question in BANK.section(index).questions:
        if question.type in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            values[question.id] = letter * (question.max_length or 0)
        if question.type is QuestionType.YES_NO_FOLLOWUP:
            values[question.id] = "yes"
            values[follow_up_input_id(question.id)] = letter * (question.max_length or 0)
    return values


@pytest.mark.parametrize("index", range(BANK.section_count))
def test_every_section_card_fits_with_maximum_answers(index: int) -> None:
    section = BANK.section(index)
    episodes = (
        tuple(EpisodeSummary(n, "2025-01-01", "x" * 100) for n in range(1, 11))
        if section.repeatable
        else ()
    )
    screen = SectionScreen(
        RET,
        BANK,
        index,
        10 if section.repeatable else None,
        episodes,
        maxed_values(index),
        {q.id: 3 for q in section.questions},
        errors={
            q.id: "'x' is too long (9,999 characters); please keep it to 2,000."
            for q in section.questions
        },
        warnings={q.id: "This looks like a postcode." for q in section.questions},
        notices=("Saved.",),
    )
    assert card_problems(cards.section_card(screen)) == []


@pytest.mark.parametrize("value", [None, "", "yes", "2025-03-01", "a,b", "Ünïcode · text"])
def test_inputs_from_templates_are_the_inputs_the_builders_make(value: str | None) -> None:
    """A section card's inputs are dumped once per question and given their value per card."""
    for question in BANK.questions:
        from_template = cards._with_value(cards._input_template(question), value)
        assert from_template == dumped(cards._input_for(question, value)), question.id
        if question.type is QuestionType.YES_NO_FOLLOWUP:
            follow = cards._with_value(cards._follow_up_template(question), value)
            built = text_input(
                follow_up_input_id(question.id),
                cards.follow_up_label(question),
                value,
                max_length=question.max_length or 1000,
                multiline=True,
            )
            assert follow == dumped(built), question.id


@pytest.mark.parametrize("index", range(BANK.section_count))
def test_a_card_from_templates_shares_nothing_it_could_change(index: int) -> None:
    screen = SectionScreen(
        RET, BANK, index, 1 if BANK.section(index).repeatable else None, (), {}, {}
    )
    first = cards.section_card(screen)
    expected = json.loads(json.dumps(first))
    for element in first["body"]:
        element["value"] = "changed after the card was built"
        for choice in element.get("choices", []):
            choice["title"] = "changed"
        element.get("choices", []).append({"title": "extra", "value": "extra"})
    for action in first["actions"]:
        for data in (action["data"], action["fallback"]["data"]):
            data["return_id"] = 99
            data.setdefault("revs", {})["changed"] = 1
    assert cards.section_card(screen) == expected


@pytest.mark.parametrize("context", ["", "LOS-2026-004 · Child K · due Fri 11 Dec 2026"])
def test_headers_from_templates_are_the_headers_the_builder_makes(context: str) -> None:
    title = "Section 2 of 11 · Ünïcode"
    assert header_json(title, context) == [dumped(item) for item in header(title, context)]


@pytest.mark.parametrize("primary", [False, True])
def test_buttons_from_templates_are_the_buttons_the_builder_makes(primary: bool) -> None:
    data = {"return_id": 4, "section": 1, "revs": {"q1": 2}, "episode": 1}
    made = button_json("Next", "return_next", data, primary=primary)
    assert made == dumped(button("Next", "return_next", data, primary=primary))
    assert build([], [made]) == build([], [button("Next", "return_next", data, primary=primary)])


def test_long_non_ascii_answers_drop_the_examples_rather_than_fail() -> None:
    index = BANK.section_index("episodes")
    errors = {
        q.id: "'x' is too long (2,345 characters); please keep it to 2,000."
        for q in BANK.section(index).questions
    }
    warnings = {
        q.id: "This may contain a phone number (077** ******)."
        for q in BANK.section(index).questions
    }
    screen = SectionScreen(RET, BANK, index, 1, (), maxed_values(index, "ü"), {}, errors, warnings)
    card = cards.section_card(screen)
    assert card_problems(card) == []
    assert "Example:" not in str(card)
    short = cards.section_card(SectionScreen(RET, BANK, index, 1, (), {}, {}))
    assert "Example:" in str(short)


def test_read_only_section_card_has_navigation_but_no_save() -> None:
    screen = SectionScreen(RET, BANK, 1, None, (), {}, {}, read_only=True)
    titles = [a["title"] for a in cards.section_card(screen)["actions"]]
    assert "Save draft" not in titles
    assert "Next section" in titles


def test_a_reader_sees_answers_as_text_not_boxes_that_drop_what_is_typed() -> None:
    section = BANK.section(1)
    texts = [
        q for q in section.questions if q.type in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT)
    ]
    values = {q.id: f"Answer to {q.id}" for q in texts}
    screen = SectionScreen(RET, BANK, 1, None, (), values, {}, read_only=True)
    card = cards.section_card(screen)
    shown = json.dumps(card)
    inputs = {
        element.get("id") for element in _elements(card) if element["type"].startswith("Input.")
    }
    assert not inputs & {q.id for q in section.questions}, "no question is an input to a reader"
    for question in texts:
        assert f"Answer to {question.id}" in shown
    assert card_problems(card) == []


def _elements(node: object) -> list[dict]:
    if isinstance(node, list):
        return [found for item in node for found in _elements(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if isinstance(node.get("type"), str) else []
    return own + [found for value in node.values() for found in _elements(value)]


def entry(n: int) -> ChronologyView:
    long = "ä" * 1000
    return ChronologyView(
        n,
        n,
        EntryInput(
            date(2025, 1, n % 28 + 1),
            DateCertainty.BEFORE,
            date(2025, 2, 1),
            "s" * 300,
            long,
            long,
            long,
            True,
            True,
            "r" * 500,
            ("neglect",),
        ),
    )


def test_a_full_chronology_page_fits() -> None:
    entries = [entry(n) for n in range(1, 30)]
    card = cards.chronology_card(RET, page(entries, 2), len(entries), read_only=False)
    assert card_problems(card) == []


def fullest_statuses() -> tuple[SectionStatus, ...]:
    """Every section with every answer missing and six highlights at their longest."""
    return tuple(
        SectionStatus(
            i,
            s.title,
            0,
            6,
            tuple(q.label for q in s.questions),
            tuple((q.label, "x" * 140) for q in s.questions),
        )
        for i, s in enumerate(BANK.sections)
    )


def test_overview_and_signoff_fit_with_everything_missing_and_flagged() -> None:
    statuses = fullest_statuses()
    summary = Overview(RET, statuses, 120, tuple("x" * 80 for _ in range(40)), read_only=False)
    assert card_problems(cards.overview_card(summary)) == []
    assert card_problems(cards.signoff_card(summary)) == []


def test_entry_form_and_review_cards_are_valid() -> None:
    values = {"event_date": "2025-03-14", "source": "x" * 300, "themes": "neglect"}
    form = cards.entry_form_card(
        RET, [], values, entry_id=3, errors={"event": "required"}, warnings={"source": "phone"}
    )
    assert card_problems(form) == []
    agencies = [(i, f"Agency {i} " + "n" * 180) for i in range(20)]
    assert (
        card_problems(
            review_cards.new_review_card(
                agencies, defaults(date(2026, 11, 26)), errors={"reason": "x"}
            )
        )
        == []
    )
    members = [(f"{i:08d}-0000-4000-8000-000000000000", f"Member {i}", i % 20) for i in range(60)]
    returns = [RET] * 20
    card = review_cards.assignment_card(REVIEW, returns, members, {2: "Practitioner B"})
    assert card["body"][-1]["choices.data"]["dataset"] == "graph.microsoft.com/users"
    assert card_problems(card) == []
    progress = [ReviewProgress(REVIEW, 20, 3, 1)] * 25
    assert card_problems(review_cards.reviews_card(progress, can_open=True)) == []


def test_invitation_names_the_review_and_due_date() -> None:
    card = cards.invitation_card(RET)
    text = str(card)
    assert "LOS-2026-004" in text
    assert "Fri 11 Dec 2026" in text
    assert card["actions"][0]["data"] == {"return_id": 1, "verb": "return_open"}


def _titles(card: dict[str, object]) -> list[str]:
    return [a["title"] for a in card["actions"]]  # type: ignore[attr-defined,index]


def test_after_approving_the_lead_is_led_to_the_next_sign_off_or_the_return() -> None:
    """walk9: after Approve the card's only button was "Reviews"."""
    done = cards.signed_off_card(RET)
    assert _titles(done) == ["Sign-offs waiting", "Read the return", "Reviews"]
    assert card_problems(done) == []


def test_after_approving_the_card_names_what_still_waits_and_offers_no_empty_list() -> None:
    """walk10: "Sign-offs waiting" led to "Nothing is waiting", and neither card named the
    return still unsigned."""
    health = replace(RET, id=2, agency_name="Demo Health", status=ReturnStatus.SUBMITTED)
    police = replace(RET, id=3, reference="LOS-2026-005", agency_name="Demo Police")
    unsigned = still_unsigned([RET, health])
    nothing_left = cards.signed_off_card(RET, after=AfterSignOff((), unsigned))
    assert _titles(nothing_left) == ["Read the return", "Reviews"]
    shown = json.dumps(nothing_left)
    assert "Nothing else is waiting for your sign-off." in shown
    assert (
        "Not yet signed off on LOS-2026-004: Demo Children's Social Care (in progress) and "
        "Demo Health (submitted: waiting for sign-off)." in shown
    )
    assert card_problems(nothing_left) == []
    more = cards.signed_off_card(RET, after=AfterSignOff((health, police), ()))
    assert _titles(more) == ["Sign-offs waiting", "Read the return", "Reviews"]
    shown = json.dumps(more)
    assert "Still waiting for your sign-off: LOS-2026-004 Demo Health and LOS-2026-005 " in shown
    assert "Every return on LOS-2026-004 is in." in shown
    many = AfterSignOff((health,) * 5, tuple(f"Agency {n} (in progress)" for n in range(9)))
    shown = json.dumps(cards.signed_off_card(RET, after=many))
    assert "Demo Health and 2 more." in shown
    assert "Agency 5 (in progress) and 3 more." in shown


def test_still_unsigned_leaves_out_the_returns_that_are_in_and_removed_agencies() -> None:
    gone = (
        ReturnStatus.SIGNED_OFF,
        ReturnStatus.NIL,
        ReturnStatus.PROCEEDED_WITHOUT,
        ReturnStatus.WITHDRAWN,
    )
    returns = [replace(RET, agency_name=f"A{n}", status=s) for n, s in enumerate(gone)]
    assert still_unsigned(returns) == ()
    waiting = [
        replace(RET, agency_name="Zeta", status=ReturnStatus.NIL_PENDING),
        replace(RET, agency_name="Alpha", status=ReturnStatus.RETURNED),
    ]
    assert still_unsigned([*returns, *waiting]) == (
        "Alpha (returned for changes)",
        "Zeta (nil return, awaiting the agency lead)",
    )


def test_the_chair_is_led_to_the_pack_when_the_review_reaches_analysis() -> None:
    """The notice that the last return is signed off, and the Manage card at analysis or the
    meeting, open the pack: the chair's next step, without knowing to type `pack`."""
    ready = cards.chair_notice_card(RET, "Signed off", "Every return is signed off.", pack=True)
    assert _titles(ready) == ["Meeting pack", "Review summary", "Reviews"]
    assert card_problems(ready) == []
    assert _titles(cards.chair_notice_card(RET, "Signed off", "1 of 2 signed off.")) == [
        "Review summary",
        "Reviews",
    ]
    for stage, shown in (
        (ReviewStage.PRE_ANALYSIS, False),
        (ReviewStage.ANALYSIS, True),
        (ReviewStage.MEETING, True),
    ):
        review = replace(REVIEW, reason="r", stage=stage)
        screen = ManageScreen(review, (RET,), {}, (), (), may_reopen=False)
        card = review_cards.manage_card(screen)
        assert ("Meeting pack" in _titles(card)) is shown, stage
        assert card_problems(card) == []


def test_a_cancel_reason_ending_in_a_full_stop_is_not_doubled() -> None:
    review = replace(REVIEW, stage=ReviewStage.CANCELLED, cancelled_reason="Opened twice.")
    text = json.dumps(review_cards.cancelled_card(review))
    assert "Reason: Opened twice. Its chasers have stopped." in text, text


def test_returns_offered_beside_a_card_beyond_three_are_counted_not_dropped() -> None:
    """A lead reading or signing off more than three returns on one review is told how many
    more there are and where to see them, not shown three as if they were all."""
    five = [replace(RET, id=n, agency_name=f"Agency {n}") for n in range(1, 6)]
    for offers, more in (
        (cards.sign_off_offers(five), "And 2 more waiting for your sign-off: type sign-offs"),
        (cards.read_offers(five), f"And 2 more to read: type continue {RET.reference}"),
    ):
        shown = json.dumps([dumped(o) for o in offers])
        assert "Agency 3" in shown
        assert "Agency 4" not in shown, "three offered, in order"
        assert more in shown
    three = json.dumps([dumped(o) for o in cards.read_offers(five[:3])])
    assert "more" not in three


def test_a_question_s_problem_names_it_as_the_card_asks_it() -> None:
    """walk9: under "Which agency and team is this return from?" the card said "'Agency and
    team' is required.": a problem names the question as the box above it shows it."""
    section = BANK.section(0)
    checked = validate_section_answers(section, {}, require_complete=True)
    screen = SectionScreen(RET, BANK, 0, None, (), {}, {}, checked.errors)
    shown = json.dumps(cards.section_card(screen))
    required = [q for q in section.questions if q.required and q.id in checked.errors]
    assert required, "an empty first section has required questions unanswered"
    for question in required:
        assert json.dumps(f"'{question.prompt}' is required.")[1:-1] in shown
        if question.label != question.prompt:
            assert f"'{question.label}' is required." not in shown


def test_a_follow_up_s_problem_names_it_as_the_card_asks_it() -> None:
    """The follow-up box's problem kept the rule's short name ("'Hidden adults': please answer
    …"): it is a FieldError now, named under the box by the label the box shows."""
    section = BANK.section(1)
    question = next(q for q in section.questions if q.id == "hidden_adults")
    checked = validate_section_answers(section, {"hidden_adults": "true"}, require_complete=True)
    follow_id = follow_up_input_id(question.id)
    assert follow_id in checked.errors
    screen = SectionScreen(RET, BANK, 1, None, (), {}, {}, checked.errors)
    shown = json.dumps(cards.section_card(screen))
    label = cards.follow_up_label(question)
    assert json.dumps(f"'{label}' is required.")[1:-1] in shown
    assert f"'{question.label}: " not in shown


def test_every_problem_on_the_sign_off_form_is_under_its_own_box() -> None:
    """`signoff_card` drew only the comments box's problem: each field's is under its box,
    named as the box shows it, and one for a box the card lacks is said under the header."""
    summary = Overview(RET, (), 0, (), read_only=False)
    errors = {
        "comments": field_error("Comments", " is required."),
        "comment_on": field_error("Start", ": please choose one of the parts shown."),
        "elsewhere": "Something about the form as a whole.",
    }
    body = cards.signoff_card(summary, errors=errors)["body"]
    ids = [element.get("id") for element in body]
    texts = [element.get("text", "") for element in body]
    for key in ("comments", "comment_on"):
        box = body[ids.index(key)]
        # Named as the box shows it, without its required mark or its limit (bare_label).
        label = shown_label(box)
        assert label, box
        assert "up to" not in label, label
        assert texts[ids.index(key) + 1].startswith(f"'{label}'")
    assert texts.index("Something about the form as a whole.") < ids.index("comments")
    assert texts.index("Something about the form as a whole.") >= 2  # under the title


def test_your_returns_puts_returns_to_write_read_and_sign_off_under_their_own_headings() -> None:
    """walk10: the "Your returns" chooser mixed returns written and returns to sign off, with
    one row of buttons at its foot. Each heading has its returns and their own buttons."""
    health = replace(RET, id=2, agency_name="Demo Health", status=ReturnStatus.SUBMITTED)
    school = replace(RET, id=3, reference="LOS-2026-005", agency_name="Demo School")
    card = cards.returns_list_card([RET], None, [health], [school])
    assert card_problems(card) == []
    assert not card.get("actions"), "each button beside its return, none at the foot"
    body = card["body"]
    headings = [n["text"] for n in body if n.get("type") == "TextBlock" and n.get("weight")]
    assert headings[-3:] == ["To write", "To read", "To sign off"]

    def section(name: str) -> list[str]:
        start = next(i for i, n in enumerate(body) if n.get("text") == name)
        after = [i for i, n in enumerate(body) if n.get("text") in ("To read", "To sign off")]
        end = min([i for i in after if i > start], default=len(body))
        return [f"{b['title']}|{b['verb']}" for n in body[start:end] for b in _buttons(n)]

    assert section("To write") == [
        f"Open LOS-2026-004 (Demo Children's Social Care)|{verbs.RETURN_OPEN}"
    ]
    assert section("To read") == [f"Read LOS-2026-005 (Demo School)|{verbs.RETURN_OPEN}"]
    assert section("To sign off") == [
        f"Open the Demo Health sign-off card|{verbs.SIGNOFF_OPEN}",
        f"All sign-offs waiting|{verbs.SIGN_OFFS}",
    ]
    # Only returns to write: one heading, no sign-off section.
    alone = cards.returns_list_card([RET, replace(RET, id=4)])
    assert "To sign off" not in json.dumps(alone)
    assert verbs.SIGN_OFFS not in json.dumps(alone)


def _buttons(node: dict[str, object]) -> list[dict[str, str]]:
    if node.get("type") == "ActionSet":
        return node["actions"]  # type: ignore[return-value]
    found: list[dict[str, str]] = []
    for child in node.get("items", []) or []:  # type: ignore[attr-defined]
        found.extend(_buttons(child))
    return found


def _text_boxes(card: object) -> list[dict[str, object]]:
    if isinstance(card, dict):
        here = [card] if card.get("type") == "Input.Text" else []
        return here + [box for value in card.values() for box in _text_boxes(value)]
    if isinstance(card, list):
        return [box for value in card for box in _text_boxes(value)]
    return []


@pytest.mark.parametrize("index", range(BANK.section_count))
def test_every_answer_box_a_paste_could_overrun_says_its_limit(index: int) -> None:
    """walk12 pasted a case note into a one-line answer: Teams kept its first 500 characters
    and the card said "Saved." A box that takes a sentence or more, one line or many, states
    its limit in its label, where it is in sight as the paste goes in."""
    screen = SectionScreen(RET, BANK, index, None, (), {}, {})
    boxes = _text_boxes(cards.section_card(screen))
    assert boxes, "every section asks something in a text box"
    for box in boxes:
        limit = box["maxLength"]
        assert isinstance(limit, int)
        says = f"up to {limit:,} characters" in str(box["label"])
        assert says is (limit >= PASTE_SIZED), box["label"]


def test_a_resubmitted_return_s_signoff_fits_with_the_longest_send_back_and_box() -> None:
    """The previous send-back (2,000 four-byte characters, as long as the box takes) beside
    2,000 more typed in the box, on the fullest sign-off card: still valid and within Teams'
    size limit."""
    statuses = fullest_statuses()
    longest = "\U0001d518" * COMMENTS_MAX
    summary = Overview(
        replace(RET, status=ReturnStatus.SUBMITTED),
        statuses,
        120,
        tuple("x" * 80 for _ in range(40)),
        read_only=True,
        can_sign_off=True,
        sent_back_before=f"You sent this back on 3 Dec 2026: {longest}",
    )
    card = cards.signoff_card(summary, comments=longest)
    assert card_problems(card) == []
    assert longest in json.dumps(card, ensure_ascii=False)
