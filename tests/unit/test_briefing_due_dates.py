"""Box 7's due dates against the live action items, asked once (guide.due_date_changes) and
shown alike by every view of the briefing: the chair's preview, the approval request, the
approver's card, the published reading view, the channel post and the Word/PDF download. A
published version keeps the words it was approved with; its readers see the live date under
the line that changed."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from cards import meeting as cards
from cards.validation import card_problems
from domain import guide
from domain.guide import GuideAction, GuideState
from domain.meeting import GuideScreen
from domain.records import GuideRecord, GuideVersion
from exports.documents import guide_docx
from tests.unit.test_meeting_cards import REVIEW

AUDIT = GuideAction("Audit 20 referrals", "Demo Children's Social Care", date(2027, 1, 29))
BRIEF = GuideAction("Brief every response officer", "Demo Police", date(2027, 3, 31))
AT = datetime(2026, 12, 1, tzinfo=UTC)


def box_7(*actions: GuideAction) -> str:
    return guide.draft("LOS-2026-005", "Child K", "Reason.", ["neglect"], [], actions)[6]


# --- the one question --------------------------------------------------------------------------


def test_a_changed_date_is_reported_with_what_the_line_says_and_what_the_item_says_now() -> None:
    written = box_7(replace(AUDIT, due_on=date(2026, 12, 31)), BRIEF)
    [change] = guide.due_date_changes(written, [AUDIT, BRIEF])
    assert change.line == "Demo Children's Social Care: Audit 20 referrals (by December 2026)"
    assert (change.stated, change.live) == ("December 2026", "January 2027")
    assert change.note == guide.due_date_notes(written, [AUDIT, BRIEF])[0]
    assert change.correction(published=True) == (
        "Due date changed since this version was published: now due January 2027."
    )
    undated = replace(AUDIT, due_on=None)
    [gone] = guide.due_date_changes(box_7(AUDIT), [undated])
    assert gone.correction(published=False).endswith("now has no due date.")


def test_corrections_sit_under_the_changed_line_and_leave_every_line_as_written() -> None:
    written = box_7(replace(AUDIT, due_on=date(2026, 12, 31)), BRIEF)
    changes = guide.due_date_changes(written, [AUDIT, BRIEF])
    lines = guide.box_lines(written, draft=False)
    paired = guide.with_corrections(written, changes, draft=False)
    assert tuple(line for line, _ in paired) == lines, "the approved words are kept"
    assert [c for _, c in paired] == [changes[0], None]
    crlf = written.replace("\n", "\r\n")
    assert guide.with_corrections(crlf, changes, draft=False)[0][1], "line ends don't hide it"


@pytest.mark.parametrize("before", ["   ", "\t", "\n\n", "  \n \n   ", "Intro line\n  "])
def test_a_line_typed_with_leading_spaces_keeps_its_correction(before: str) -> None:
    """Paired with its correction by its place in the box, not its words: box_lines trims
    the box, so a first line typed with leading spaces (or after blank lines) no longer
    matched the line due_date_changes read, and lost its correction."""
    written = before + box_7(replace(AUDIT, due_on=date(2026, 12, 31)), BRIEF) + "\n  \n"
    [change] = guide.due_date_changes(written, [AUDIT, BRIEF])
    paired = guide.with_corrections(written, [change], draft=False)
    assert tuple(line for line, _ in paired) == guide.box_lines(written, draft=False)
    [(line, found)] = [(line, c) for line, c in paired if c is not None]
    assert found == change
    assert line.strip() == change.line.strip()
    assert "Audit 20 referrals (by December 2026)" in line


def test_an_empty_box_says_so_and_corrects_nothing() -> None:
    assert guide.with_corrections(" \n ", (), draft=True) == ((guide.EMPTY_DRAFT_BOX, None),)


MONTHS = st.dates(date(2026, 1, 1), date(2030, 12, 31))
LINE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"))


@given(MONTHS, st.one_of(st.none(), MONTHS), st.lists(LINE_TEXT, max_size=4))
def test_a_line_is_corrected_exactly_when_its_month_is_not_the_live_one(
    written_on: date, live: date | None, others: list[str]
) -> None:
    text = "\n".join([*others, box_7(replace(AUDIT, due_on=written_on))])
    moved = replace(AUDIT, due_on=live)
    changes = guide.due_date_changes(text, [moved])
    same = live is not None and (live.year, live.month) == (written_on.year, written_on.month)
    named = [c for c in changes if c.stem == moved.stem]
    assert bool(named) is not same
    assert guide.due_date_notes(text, [moved]) == tuple(c.note for c in changes)
    lines = guide.box_lines(text, draft=False)
    paired = guide.with_corrections(text, changes, draft=False)
    assert tuple(line for line, _ in paired) == lines
    assert {c for _, c in paired if c is not None} == set(changes), "each change is shown"
    if named:
        assert named[0].live == (f"{live:%B %Y}" if live else None)
    brought = guide.with_live_due_dates(text, [moved])
    assert guide.due_date_changes(brought, [moved]) == (), "bringing up to date clears them all"


# --- every view shows it -------------------------------------------------------------------------

WRITTEN = box_7(replace(AUDIT, due_on=date(2026, 12, 31)), BRIEF)
PARTS = (*guide.draft("LOS-2026-005", "Child K", "Reason.", ["neglect"], [], [AUDIT])[:6], WRITTEN)
CHANGES = guide.due_date_changes(WRITTEN, [AUDIT, BRIEF])
PUBLISHED_NOTE = "Due date changed since this version was published: now due January 2027."
DRAFT_NOTE = "The action item is now due January 2027."


def screen(state: GuideState, *, versions: int = 0, **extra: object) -> GuideScreen:
    kept = tuple(GuideVersion(n, PARTS, "Lic Member", "the LIC group", AT) for n in (1, 2))
    record = GuideRecord(1, 1, PARTS, versions > 0, 0, state, 1, kept[:versions])
    return GuideScreen(REVIEW, record, **extra)  # type: ignore[arg-type]


def test_a_reader_of_the_published_version_sees_the_approved_words_and_the_live_date() -> None:
    reader = screen(
        GuideState.PUBLISHED, versions=1, edits=False, reads_only=True, published_changes=CHANGES
    )
    for card in (cards.guide_card(reader), cards.channel_guide_card(reader)):
        assert card_problems(card) == []
        text = str(card)
        assert "Audit 20 referrals (by December 2026)" in text, "the record stays as approved"
        assert PUBLISHED_NOTE in text
        assert guide.corrections_legend(published=True) in text
    quiet = cards.guide_card(replace(reader, published_changes=()))
    assert "Due date changed" not in str(quiet)


def test_the_chair_reading_a_published_version_sees_the_correction_and_the_way_to_mend_it() -> None:
    notes = tuple(c.note for c in CHANGES)
    chair = screen(
        GuideState.PUBLISHED, versions=1, due_notes=notes, draft_changes=CHANGES,
        published_changes=CHANGES,
    )  # fmt: skip
    text = str(cards.guide_card(chair))
    assert PUBLISHED_NOTE in text
    assert "Revise it: the next version goes for approval with the current due dates." in text


def test_the_preview_and_the_approval_request_mark_the_line_and_say_what_sending_does() -> None:
    notes = tuple(c.note for c in CHANGES)
    told = "the action item is now due January 2027."  # the end of notes[0], shown as given
    draft = screen(GuideState.DRAFT, due_notes=notes, draft_changes=CHANGES)
    preview = cards.guide_preview_card(draft)
    assert card_problems(preview) == []
    assert told in str(preview)
    assert "Sending it for approval brings box 7's dates up to date." in str(preview)
    assert DRAFT_NOTE in str(preview)
    waiting = replace(draft, guide=replace(draft.guide, state=GuideState.AWAITING_APPROVAL))
    request = cards.guide_approval_card(waiting, "Review Chair")
    assert card_problems(request) == []
    assert told in str(request)
    assert DRAFT_NOTE in str(request)
    approver = cards.guide_card(replace(waiting, approves=True, edits=False))
    assert DRAFT_NOTE in str(approver)
    assert "Approving publishes box 7 with the action items' current due dates." in str(approver)


def printed(changes: tuple[guide.DueDateChange, ...]) -> tuple[str, list[str]]:
    content = guide_docx("LOS-2026-005", "Child K", PARTS, AT.date(), draft=False, changes=changes)
    document = Document(io.BytesIO(content))
    cells = [c.text for r in document.tables[0].rows for c in r.cells]
    return "\n".join(p.text for p in document.paragraphs), cells


def test_the_download_prints_the_live_date_on_the_line_under_a_legend() -> None:
    above, cells = printed(CHANGES)
    assert guide.corrections_legend(published=True) in above
    assert "Audit 20 referrals (by December 2026) \u21b3 now due January 2027" in cells[6]
    assert cells[6].count("\u21b3") == 1, "the line whose date holds is left alone"
    above, cells = printed(())
    assert "\u21b3" not in above + " ".join(cells)


# --- the printed box 7: smaller type, then shorter marks, never a second page ----------------


def test_a_full_box_prints_at_the_usual_size_and_its_lines_are_counted_as_printed() -> None:
    assert guide.box_font_pt([guide.BOX_FITS]) == guide.BOX_FONT_PT
    assert guide.printed_lines([guide.BOX_LINE_CHARS * 2 + 1, 3, 0], guide.BOX_FONT_PT) == 5
    assert guide.printed_lines([guide.BOX_LINE_CHARS], guide.BOX_FONT_PT / 2) == 1


@given(st.lists(st.integers(min_value=0, max_value=guide.BOX_FITS), min_size=1, max_size=40))
def test_the_printed_size_is_the_largest_that_fits_and_never_below_the_smallest(
    lengths: list[int],
) -> None:
    size = guide.box_font_pt(lengths)
    assert guide.SMALLEST_BOX_FONT_PT <= size <= guide.BOX_FONT_PT
    budget = guide.BOX_LINES * guide.BOX_FONT_PT
    fits = guide.printed_lines(lengths, size) * size <= budget
    assert fits or size == guide.SMALLEST_BOX_FONT_PT
    if size < guide.BOX_FONT_PT:  # a quarter point larger would not have fitted
        assert guide.printed_lines(lengths, size + 0.25) * (size + 0.25) > budget


def test_marks_are_abbreviated_only_when_the_smallest_type_cannot_hold_them() -> None:
    change = guide.DueDateChange("Audit, by May 2027", "Audit", "May 2027", "September 2027", 0)
    few = [("Action 1: audit twenty referrals, by May 2027", change)] * 3
    size, marks = guide.printed_marks(few)
    assert size == guide.BOX_FONT_PT
    assert marks == (" \u21b3 now due September 2027",) * 3
    many = [("Action 1: a named lead, by September 2026", change)] * 13
    size, marks = guide.printed_marks(many)
    assert marks == (" \u21b3 now Sep 2027",) * 13
    undated = replace(change, live=None)
    assert undated.mark(short=True) == " \u21b3 now undated"
    assert guide.printed_marks([("A line with no change", None)]) == (guide.BOX_FONT_PT, ("",))


# --- the drafted line: the item's own due date, the agency once ------------------------------

WALKED = GuideAction(
    "Demo Police will audit 20 notifications to early help by 31 March 2027 to check child seen.",
    "Demo Police",
    date(2027, 5, 31),
    reference="LOS-2026-003/A1",
)
WALKED_LINE = (
    "Demo Police: Demo Police will audit 20 notifications to early help by 31 March 2027 "
    "to check child seen. (by March 2027)"
)


def test_a_drafted_line_states_the_items_due_date_once_and_its_agency_once() -> None:
    """After a date change the walk read "Demo Police: Demo Police will audit … by 31 March
    2027 … (by May 2027)": two dates and the agency twice."""
    assert box_7(WALKED).splitlines()[0] == (
        "Demo Police will audit 20 notifications to early help to check child seen. (by May 2027)"
    )
    assert guide.due_date_changes(box_7(WALKED), [WALKED]) == ()
    # Without a due date on the item, its own words keep theirs.
    undated = replace(WALKED, due_on=None)
    assert "by 31 March 2027" in box_7(undated)
    assert box_7(AUDIT).startswith("Demo Children's Social Care: Audit 20 referrals (by ")


def test_a_line_drafted_before_the_mend_is_still_checked_and_mended_on_sending() -> None:
    [change] = guide.due_date_changes(WALKED_LINE, [WALKED])
    assert (change.stated, change.live) == ("March 2027", "May 2027")
    assert guide.with_live_due_dates(WALKED_LINE, [WALKED]) == box_7(WALKED).splitlines()[0]


@pytest.mark.parametrize(
    "typed",
    [
        "Police audit of notifications by 31 March 2027 (LOS-2026-003/A1)",
        "Demo Police will audit 20 notifications to early help by 31 March 2027 to check "
        "child seen. (Police)",
    ],
)
def test_a_date_typed_in_the_chairs_own_words_is_named_not_rewritten(typed: str) -> None:
    """The walk's chair typed "…by 31 March 2027 (LOS-2026-003/A1)" and nothing was said."""
    [note] = guide.typed_date_notes(typed, [WALKED])
    assert '"by March 2027"' in note
    assert "due May 2027" in note
    assert guide.with_live_due_dates(typed, [WALKED]) == typed, "the chair's words stand"
    right = typed.replace("31 March 2027", "31 May 2027")
    assert guide.typed_date_notes(right, [WALKED]) == ()
    assert guide.typed_date_notes("Share the briefing by June 2027.", [WALKED]) == ()


def test_two_items_whose_words_differ_only_by_date_each_keep_their_own() -> None:
    """review12b: with the written date set aside, both items name alike, and the second line
    was read as the first item: published with the first's date. Each line takes its own."""
    march = GuideAction("Audit 20 case files by March 2027", "Demo Police", date(2027, 3, 31))
    june = replace(march, description="Audit 20 case files by June 2027", due_on=date(2027, 6, 30))
    assert march.stem == june.stem
    box = f"{march.stem} (by March 2027)\n{june.stem} (by June 2027)"
    assert guide.with_live_due_dates(box, [march, june]) == box
    assert guide.due_date_notes(box, [march, june]) == ()
    moved = replace(june, due_on=date(2027, 9, 30))
    assert guide.with_live_due_dates(box, [march, moved]).splitlines() == [
        f"{march.stem} (by March 2027)",
        f"{june.stem} (by September 2027)",
    ]


def test_only_the_last_written_date_gives_way_to_the_item_s_date() -> None:
    """An earlier date is a step on the way, kept; the agency is named unless the words start
    with its name as a word (review12b: "Healthy Start …" lost the agency "Health")."""
    steps = GuideAction(
        "Review 12 cases by 1/2/2027, then report to LIC by March 2027", "Police", date(2027, 5, 31)
    )
    assert steps.stem == "Police: Review 12 cases by 1/2/2027, then report to LIC"
    healthy = GuideAction("Healthy Start workers will visit", "Health", date(2027, 3, 31))
    assert healthy.stem == "Health: Healthy Start workers will visit"
    own = GuideAction("Health will brief GPs", "Health", date(2027, 3, 31))
    assert own.stem == "Health will brief GPs"


def test_a_typed_line_naming_a10_is_not_read_as_a1() -> None:
    """review12b: a reference was looked for as a substring, so A10 matched A1 and the chair
    was told their right date was wrong."""
    first = GuideAction("Audit", "Police", date(2027, 3, 31), reference="LOS-2026-003/A1")
    tenth = GuideAction("Brief", "Police", date(2027, 5, 31), reference="LOS-2026-003/A10")
    assert guide.typed_date_notes("We will do LOS-2026-003/A10 by May 2027.", [first, tenth]) == ()
    assert guide.typed_date_notes("We will do LOS-2026-003/A1 by May 2027.", [first, tenth])


def test_a_box_holding_more_than_the_page_fits_is_never_cut_by_its_own_limit() -> None:
    """review12b: a box saved when the limit was 1,200, or a drafted box 7 of six items, was
    drawn with maxLength 650: a client cuts the value to it, and the next save stored the cut
    text. The box's maxLength is never below what it holds; its label still says 650."""
    long_part = "Staff should ask again. " * 45
    assert guide.PART_MAX < len(long_part) < guide.PART_STORED_MAX
    drafted = screen(GuideState.DRAFT)
    parts = (long_part, *drafted.guide.parts[1:])
    card = cards.guide_card(replace(drafted, guide=replace(drafted.guide, parts=parts)))
    assert card_problems(card) == []
    box = next(e for e in _inputs(card) if e.get("id") == "part_0")
    assert box["maxLength"] >= len(long_part.strip())
    assert f"up to {guide.PART_MAX:,} characters" in box["label"]


def _inputs(card: object) -> list[dict[str, object]]:
    if isinstance(card, dict):
        here = [card] if str(card.get("type", "")).startswith("Input.") else []
        return here + [i for value in card.values() for i in _inputs(value)]
    if isinstance(card, list):
        return [i for value in card for i in _inputs(value)]
    return []


def test_a_short_month_written_into_the_item_is_not_said_twice() -> None:
    """Walk 13 (L3): box 7 read "… every domestic call by 28 Feb 2027 (by February 2027)";
    amended to 31 March, the line still said February."""
    words = "Brief all response officers on seeing the child at every domestic call by 28 Feb 2027"
    item = guide.GuideAction(words, "Demo Police", date(2027, 2, 28))
    assert item.stem == (
        "Demo Police: Brief all response officers on seeing the child at every domestic call"
    )
    box = guide.draft("LOS-2026-007", "Child Q", "", [], ["a", "b", "c"], [item])[6]
    assert box == f"{item.stem} (by February 2027)"
    amended = replace(item, due_on=date(2027, 3, 31))
    assert guide.with_live_due_dates(box, [amended]) == f"{item.stem} (by March 2027)"
    for short in ("by 3 Sept 2027", "by Dec. 2027", "before 1 Jun 2027"):
        assert guide.GuideAction(f"Audit cases {short}", "Health", date(2027, 6, 1)).stem == (
            "Health: Audit cases"
        )
