"""The meeting pack merge, SMART checks, guide drafting, and the documents made from them."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from docx import Document

from domain import guide, meeting, outcome
from domain.errors import FormInvalid
from domain.model import DateCertainty, ReturnStatus, ReviewStage
from domain.outcome import DraftAction, smart_issues
from domain.pack import ReturnContent, build_pack, find_gaps, similar
from domain.records import ChronologyView, EntryInput, ReviewView
from exports.documents import chronology_csv, guide_docx, meeting_pack_docx
from samples.records import ret

TODAY = date(2026, 11, 26)


def entry(
    day: date,
    event: str,
    certainty: DateCertainty = DateCertainty.ON,
    seq: int = 1,
    end: date | None = None,
    themes: tuple[str, ...] = (),
) -> ChronologyView:
    return ChronologyView(
        seq,
        seq,
        EntryInput(day, certainty, end, "record", event, None, None, False, False, None, themes),
    )


def test_chronology_merges_in_date_order_with_uncertain_dates_placed_on_the_day() -> None:
    police = ReturnContent(
        ret("Police", rid=1),
        {},
        [
            entry(date(2025, 3, 1), "After school visit", DateCertainty.AFTER, 1),
            entry(date(2025, 1, 5), "First call", DateCertainty.ON, 2),
        ],
    )
    health = ReturnContent(
        ret("Health", rid=2),
        {},
        [
            entry(date(2025, 3, 1), "Before the visit", DateCertainty.BEFORE, 1),
            entry(date(2025, 3, 1), "Around the visit", DateCertainty.APPROXIMATELY, 2),
        ],
    )
    built = build_pack("LOS-2026-004", "Child K", [police, health])
    assert [(e.agency, e.entry.event) for e in built.entries] == [
        ("Police", "First call"),
        ("Health", "Before the visit"),
        ("Health", "Around the visit"),
        ("Police", "After school visit"),
    ]


def test_duplicates_need_the_same_day_a_similar_event_and_two_agencies() -> None:
    police = ReturnContent(
        ret("Police", rid=1),
        {},
        [
            entry(date(2025, 3, 1), "Strategy meeting held about Child K", seq=1),
            entry(date(2025, 3, 1), "Strategy meeting held about Child K again", seq=2),
        ],
    )
    health = ReturnContent(
        ret("Health", rid=2),
        {},
        [
            entry(date(2025, 3, 1), "Strategy meeting held regarding Child K", seq=1),
            entry(date(2025, 3, 2), "Strategy meeting held about Child K", seq=2),
        ],
    )
    built = build_pack("R", "Child K", [police, health])
    groups = [(e.agency, e.entry.event_date.day, e.duplicate_group) for e in built.entries]
    flagged = {(a, d) for a, d, g in groups if g is not None}
    assert ("Health", 1) in flagged
    assert ("Health", 2) not in flagged, "a different day is not a duplicate"
    assert built.duplicate_count == 1
    assert similar("Home visit, child seen", "home visit - child seen alone")
    assert not similar("Home visit", "School exclusion meeting")


def test_gaps_are_long_silences_not_covered_by_a_recorded_period() -> None:
    entries = [
        entry(date(2025, 1, 1), "a").entry,
        entry(date(2025, 6, 1), "b").entry,
        entry(date(2025, 7, 1), "c").entry,
    ]
    gaps = find_gaps(entries)
    assert [(g.start, g.end, g.days) for g in gaps] == [(date(2025, 1, 1), date(2025, 6, 1), 151)]
    covering = entry(date(2024, 12, 1), "allocated", end=date(2025, 6, 30)).entry
    assert find_gaps([*entries, covering]) == ()


def test_only_submitted_returns_are_in_the_pack_and_themes_are_counted_by_agency() -> None:
    police = ReturnContent(
        ret("Police", rid=1),
        {"learning_themes": ["neglect"], "what_worked_well": "Quick referral"},
        [entry(date(2025, 1, 1), "x", themes=("neglect",))],
    )
    health = ReturnContent(
        ret("Health", rid=2), {"learning_themes": ["neglect", "information_sharing"]}, []
    )
    draft = ReturnContent(
        ret("School", ReturnStatus.IN_PROGRESS, 3), {"what_worked_well": "SECRET DRAFT TEXT"}, []
    )
    built = build_pack("R", "Child K", [police, health, draft])
    assert built.included == ("Health", "Police")
    assert built.outstanding == ("School",)
    neglect = next(r for r in built.themes if r.slug == "neglect")
    assert neglect.agencies == ("Health", "Police")
    assert neglect.entry_count == 1
    assert "SECRET DRAFT TEXT" not in str(built)


def episode(day: date, seq: int, *, missed: bool = False) -> ChronologyView:
    base = entry(day, f"Episode {seq}", seq=seq, themes=("neglect",))
    return replace(
        base, entry=replace(base.entry, key_practice_episode=True, missed_opportunity=missed)
    )


def test_each_theme_names_its_evidence_returns_and_key_practice_episodes() -> None:
    police = ReturnContent(
        ret("Police", rid=1),
        {"learning_themes": ["neglect"]},
        [
            episode(date(2025, 3, 2), 1, missed=True),
            episode(date(2025, 1, 9), 2),
            entry(date(2025, 2, 1), "Plain entry", seq=3, themes=("neglect",)),
        ],
    )
    # Health tagged an entry with neglect but its return named another theme.
    health = ReturnContent(
        ret("Health", rid=2),
        {"learning_themes": ["information_sharing"]},
        [entry(date(2025, 4, 1), "Seen", seq=4, themes=("neglect",))],
    )
    neglect = next(r for r in build_pack("R", "Child K", [police, health]).themes)
    assert neglect.agencies == ("Health", "Police")
    assert neglect.returns == ("Police",)
    assert neglect.episodes == (
        "9 Jan 2025 (Police)",
        "2 Mar 2025 (Police, missed opportunity)",
    ), "in date order, missed ones marked"
    assert neglect.evidence == (
        "Returns naming it: Police. Chronology entries: 4. Key practice episodes: "
        "9 Jan 2025 (Police); 2 Mar 2025 (Police, missed opportunity)."
    )
    many = ReturnContent(
        ret("Police", rid=1),
        {},
        [episode(date(2025, 1, 1 + n), n + 1) for n in range(9)],
    )
    crowded = build_pack("R", "Child K", [many]).themes[0]
    assert crowded.evidence.endswith("; and 3 more."), "six shown; the chronology has all"
    assert crowded.evidence.startswith("Chronology entries: 9."), "no return named it"


@pytest.mark.parametrize(
    ("change", "issue"),
    [
        ({"owner_aad": None}, "no named owner"),
        ({"due_on": None}, "no due date"),
        ({"due_on": date(2026, 1, 1)}, "in the past"),
        ({"success_measure": None}, "no measure of success"),
        ({"description": "Raise awareness of neglect"}, "hard to measure"),
        ({"description": "Remind staff about the pathway"}, "hard to measure"),
        ({"description": "Consider a new form"}, "hard to measure"),
        # walk13: the day the chasers count, named beside the day typed (a Sunday).
        (
            {"due_on": date(2027, 2, 28)},
            "Sun 28 Feb 2027, is a weekend or bank holiday: chasers count it as due on "
            "Mon 1 Mar 2027, the next working day",
        ),
    ],
)
def test_smart_check_flags_each_weakness(change: dict[str, object], issue: str) -> None:
    good = DraftAction(
        "Audit 20 referrals and report to LIC",
        "neglect",
        "11111111-1111-4111-8111-111111111111",
        "Owner",
        1,
        date(2027, 3, 31),
        "90% within 5 days",
    )
    assert smart_issues(good, TODAY) == []
    weak = DraftAction(**{**good.__dict__, **change})  # type: ignore[arg-type]
    assert any(issue in i for i in smart_issues(weak, TODAY))


def test_action_form_rejects_bad_owner_agency_and_date() -> None:
    with pytest.raises(FormInvalid) as caught:
        outcome.check_action(
            {
                "description": "Audit",
                "owner": "x; DROP",
                "agency_id": "7",
                "due_on": "soon",
                "theme": "made-up",
            },
            ["neglect"],
            [1],
        )
    assert set(caught.value.errors) == {"owner", "agency_id", "due_on", "theme"}


def test_the_finding_an_action_answers_is_kept_checked_and_bounded() -> None:
    form = outcome.check_action(
        {"description": "Audit", "finding": "  Referrals were not escalated.  "}, [], []
    )
    assert form.action.finding == "Referrals were not escalated."
    assert outcome.DraftAction.from_json(form.action.to_json()).finding == form.action.finding
    named = outcome.check_action({"description": "Audit", "finding": "Kelly Smith moved"}, [], [])
    assert "finding" in named.warnings
    with pytest.raises(FormInvalid) as caught:
        outcome.check_action(
            {"description": "Audit", "finding": "x" * (outcome.FINDING_MAX + 1)}, [], []
        )
    assert set(caught.value.errors) == {"finding"}
    assert outcome.check_action({"description": "Audit"}, [], []).action.finding is None


def test_guide_draft_has_seven_parts_and_no_owner_names() -> None:
    actions = [guide.GuideAction("Audit attendance referrals", "Demo Police", date(2027, 3, 31))]
    parts = guide.draft(
        "LOS-2026-004",
        "Child K",
        "Neglect concerns were not escalated.",
        ["neglect"],
        ["Escalate sooner", "Share appointments"],
        actions,
    )
    assert len(parts) == 7
    assert parts[0].startswith("LOS-2026-004 concerned Child K.")
    assert "Escalate sooner" in parts[2]
    assert "How will we embed the learning" in parts[5]
    assert "Demo Police: Audit attendance referrals (by March 2027)" in parts[6]


def test_guide_edits_are_checked_for_identifiers_and_length() -> None:
    current = ("a",) * 7
    checked = guide.check_parts({"part_0": "Child K lives at HU1 2AB"}, current)
    assert 0 in checked.warnings
    assert checked.parts[0] == "Child K lives at HU1 2AB", "nothing is silently changed"
    # Over the page: kept (the card marks the box, Send for approval refuses it).
    kept = guide.check_parts({"part_1": "x " * guide.PART_MAX}, current)
    assert kept.parts[1] == ("x " * guide.PART_MAX).strip()
    with pytest.raises(FormInvalid) as refused:
        guide.check_parts({"part_1": "x" * (guide.PART_STORED_MAX + 1)}, current)
    assert f"About {guide.BOX_FITS} characters" in refused.value.errors["part_1"]


def test_a_briefing_box_states_one_limit_the_page_s() -> None:
    """The label said "up to 1,200 characters" while Send for approval refused over 650."""
    assert guide.PART_MAX == guide.BOX_FITS
    parts = ("short",) * 2 + ("x " * 400,) + ("short",) * 4
    assert guide.overfull_boxes(parts) == {2: "799 characters"}
    assert "About 650 characters, or 13 printed lines" in guide.overfull_box_note("799 characters")


def chronology_table(document: Any) -> Any:
    return next(
        t for t in document.tables if [c.text for c in t.rows[0].cells][3:4] == ["What happened"]
    )


def test_documents_open_and_keep_to_what_they_should_say() -> None:
    police = ReturnContent(
        ret("Police"),
        {
            "learning_themes": ["neglect"],
            "what_worked_well": "Quick referral",
            "what_could_differ": "Earlier escalation",
        },
        [entry(date(2025, 1, 1), '=HYPERLINK("x")')],
    )
    built = build_pack("LOS-2026-004", "Child K", [police])
    pack = Document(io.BytesIO(meeting_pack_docx(built, TODAY)))
    themes = next(t for t in pack.tables if t.rows[0].cells[0].text == "Theme")
    assert [c.text for c in themes.rows[0].cells] == ["Theme", "Raised by", "Evidence"]
    assert themes.rows[1].cells[2].text.startswith("Returns naming it: Police.")
    text = "\n".join(p.text for p in pack.paragraphs)
    for heading in (
        "Agency returns in this pack",
        "Combined impact chronology",
        "Themes across agencies",
        "Learning by theme",
        "Neglect",
    ):
        assert heading in text
    assert chronology_table(pack).rows[1].cells[2].text == "Police"
    rows = list(csv.reader(io.StringIO(chronology_csv(built).decode("utf-8-sig"))))
    assert rows[0][0] == "date"
    assert rows[1][5].startswith("'="), "formula injection is neutralised"
    parts = guide.draft("LOS-2026-004", "Child K", "Reason.", ["neglect"], ["Need"], [])
    guide_doc = Document(io.BytesIO(guide_docx("LOS-2026-004", "Child K", parts, TODAY)))
    # The one-page briefing: each box's first line is its title.
    headings = [c.paragraphs[0].text for r in guide_doc.tables[0].rows for c in r.cells]
    assert headings[:2] == ["1 · Background", "2 · Why it matters"]
    assert "7 · What to do: what is expected to change" in headings


def test_the_pack_marks_what_writers_kept_past_an_identifier_warning() -> None:
    police = ReturnContent(
        ret("Police", rid=1),
        {"agency_team": "Team at Oakfield Primary School", "what_worked_well": "Quick referral"},
        [
            entry(date(2025, 1, 1), "Call from 07700 900123 about Child K", seq=1),
            entry(date(2025, 2, 1), "Home visit, Child K seen", seq=2),
        ],
    )
    health = ReturnContent(ret("Health", rid=2), {}, [entry(date(2025, 3, 1), "Clinic", seq=1)])
    built = build_pack("LOS-2026-004", "Child K", [police, health])
    assert [k.describe() for k in built.kept] == ["Police (1 answer and 1 chronology entry)"]
    assert [e.kept_identifiers for e in built.entries] == [True, False, False]
    pack = Document(io.BytesIO(meeting_pack_docx(built, TODAY)))
    text = "\n".join(p.text for p in pack.paragraphs)
    assert "Kept after an identifier warning" in text
    assert "Police (1 answer and 1 chronology entry)" in text
    assert "Identifier warning overridden" in chronology_table(pack).rows[1].cells[6].text
    assert chronology_table(pack).rows[2].cells[6].text == ""


def test_the_pack_marks_every_return_overdue_unsigned_nil_or_proceeded_without() -> None:
    def due(agency: str, status: ReturnStatus, rid: int, on: date, **more: Any) -> ReturnContent:
        return ReturnContent(replace(ret(agency, status, rid=rid), due_on=on, **more), {}, [])

    late_in = datetime(2026, 11, 18, 12, tzinfo=UTC)
    returns = [
        due("Police", ReturnStatus.SIGNED_OFF, 1, date(2026, 11, 13)),
        due("Health", ReturnStatus.SUBMITTED, 2, date(2026, 11, 13), submitted_at=late_in),
        due("Education", ReturnStatus.IN_PROGRESS, 3, date(2026, 11, 20)),
        due("GP", ReturnStatus.NOT_STARTED, 4, date(2026, 12, 11)),  # not yet due
        due("Housing", ReturnStatus.NIL, 5, date(2026, 11, 13)),
        due(
            "Probation",
            ReturnStatus.PROCEEDED_WITHOUT,
            6,
            date(2026, 11, 13),
            status_note="No reply after three chasers",
        ),
        due("Youth Justice", ReturnStatus.NIL_PENDING, 7, date(2026, 11, 13)),
    ]
    built = build_pack("R", "Child K", returns, today=date(2026, 12, 4))
    marks = {line.agency: (line.included, line.marks) for line in built.roll}
    assert marks["Police"] == (True, ("Signed off by its safeguarding lead",))
    assert marks["Health"][0] is True
    assert marks["Health"][1][0].startswith("UNSIGNED")
    assert marks["Health"][1][1] == "LATE: submitted 18 Nov 2026, due 13 Nov 2026"
    assert marks["Education"] == (False, ("OVERDUE: due 20 Nov 2026, not yet submitted",))
    assert marks["GP"] == (False, ("Not yet submitted: due 11 Dec 2026",))
    assert marks["Housing"] == (False, ("NIL: no involvement, confirmed by its lead",))
    assert marks["Probation"][1] == (
        "PROCEEDED WITHOUT it: the chair's decision (No reply after three chasers)",
    )
    assert marks["Youth Justice"][1][0].startswith("NIL: no involvement, awaiting")
    assert built.overdue == ("Education",), "a nil return awaiting its lead is not overdue"
    assert "Returns still outstanding (Education (overdue), GP" in built.questions[-1]
    assert build_pack("R", "Child K", returns).overdue == (), "no day given: nothing judged"

    document = Document(io.BytesIO(meeting_pack_docx(built, TODAY)))
    roll = next(t for t in document.tables if t.rows[0].cells[0].text == "Agency")
    cells = {row.cells[0].text: row.cells[2] for row in roll.rows[1:]}
    overdue_run = cells["Education"].paragraphs[0].runs[0]
    assert overdue_run.text.startswith("OVERDUE")
    assert overdue_run.bold, "marks stand out"
    assert not cells["Police"].paragraphs[0].runs[0].bold, "signed off is not a warning"
    starts = {
        p.text: p.paragraph_format.page_break_before
        for p in document.paragraphs
        if p.style is not None and p.style.name == "Heading 2"
    }
    assert starts == {"Health": False, "Police": True}, "each agency's return from a new page"


def test_the_pack_sets_short_answers_side_by_side() -> None:
    police = ReturnContent(
        ret("Police", rid=1),
        {
            "child_seen": "seen_not_alone",
            "hidden_adults": {"answer": "yes", "follow_up": "Partner never seen"},
            "what_worked_well": "Long answers stay in the agency's own section",
        },
        [],
    )
    health = ReturnContent(ret("Health", rid=2), {"child_seen": "seen_alone"}, [])
    built = build_pack("R", "Child K", [police, health])
    rows = {row.question: row for row in built.side_by_side}
    # One column per agency, in the pack's order (by name): Health, then Police.
    assert rows["Child seen, and seen alone"].answers == (
        "Seen, and seen alone",
        "Seen, but never alone",
    )
    assert rows["Adults not known or not engaged"].answers == ("Not answered", "Yes")
    assert rows["Adults not known or not engaged"].section == "Involvement"
    assert "What worked well" not in rows, "long text is not set side by side"
    assert "Disagreement and escalation" not in rows, "nobody answered it: left out"
    document = Document(io.BytesIO(meeting_pack_docx(built, TODAY)))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "The returns side by side" in text
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Question")
    assert [c.text for c in table.rows[0].cells] == ["Question", "Health", "Police"]


@pytest.mark.parametrize(
    ("stage", "said", "not_said"),
    [
        (ReviewStage.CLOSED, "is closed: its outcome was published", "signed off"),
        (ReviewStage.CANCELLED, "was cancelled, so it has no meeting outcome", "signed off"),
        (ReviewStage.PRE_ANALYSIS, "once every agency return is signed off", "closed"),
        # The stage in the words every view shows it in, not "pre analysis".
        (ReviewStage.PRE_ANALYSIS, "is at the “Pre-analysis” stage", "pre analysis"),
        (ReviewStage.DRAFT, "is at the “Draft” stage", "draft stage"),
    ],
)
def test_why_an_outcome_cant_be_opened_fits_the_stage(
    stage: ReviewStage, said: str, not_said: str
) -> None:
    """`outcome LOS-…` on a closed review was told it waits for sign-offs (seen in the
    Playground walk): each stage gets its own reason."""
    review = ReviewView(
        1, 1, "LOS-2026-006", "Child W", "Reason", 1, stage, date(2026, 1, 5), None, None
    )
    why = meeting.no_outcome_yet(review)
    assert said in why, why
    assert not_said not in why, why
