"""The 7-minute briefing as people read it (newuser walk, 6 Dec): box 7's due dates against the
live action items, the standing questions printed once, the dissemination return that says how
to get to "We used this briefing", the usage form's limits shown before they refuse, what the
chair is told when nobody could be asked to approve, and the guide's state while it awaits
approval."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from cards import meeting as cards
from cards import verbs
from cards.validation import card_problems
from domain import guide
from domain.errors import FormInvalid
from domain.guide import GuideAction, GuideState
from domain.meeting import GuideScreen, guide_revision
from domain.model import MemberView, Role
from domain.records import GuideRecord, GuideVersion
from domain.reviews import ReviewAccess, may_read_published_briefing, may_see_review
from domain.summaries import Dissemination, GuideStatus
from domain.summaries import guide_status_line as guide_line
from exports.documents import guide_docx
from tests.support.journey import card_verbs
from tests.unit.test_meeting_cards import REVIEW

TODAY = date(2026, 12, 6)
AUDIT = GuideAction("Audit 20 referrals", "Demo Children's Social Care", date(2027, 1, 29))
BRIEF = GuideAction("Brief every response officer", "Demo Police", date(2026, 11, 30))


def drafted_box(*actions: GuideAction) -> str:
    return guide.draft("LOS-2026-005", "Child K", "Reason.", ["neglect"], [], actions)[6]


# --- box 7's due dates ------------------------------------------------------------------------


def test_a_revised_due_date_is_named_and_brought_up_to_date() -> None:
    as_drafted = drafted_box(replace(AUDIT, due_on=date(2026, 12, 31)), BRIEF)
    assert "(by December 2026)" in as_drafted
    notes = guide.due_date_notes(as_drafted, [AUDIT, BRIEF])
    assert notes == (
        'Box 7 says "by December 2026" for "Demo Children\'s Social Care: Audit 20 referrals"; '
        "the action item is now due January 2027.",
    )
    live = guide.with_live_due_dates(as_drafted, [AUDIT, BRIEF])
    assert "Audit 20 referrals (by January 2027)" in live
    assert "Brief every response officer (by November 2026)" in live
    assert guide.due_date_notes(live, [AUDIT, BRIEF]) == ()


def test_a_date_set_or_taken_away_is_a_change_too() -> None:
    undated = replace(AUDIT, due_on=None)
    no_date = drafted_box(undated)
    assert "(by" not in no_date
    assert "gives no date" in guide.due_date_notes(no_date, [AUDIT])[0]
    assert "now has no due date" in guide.due_date_notes(drafted_box(AUDIT), [undated])[0]
    assert guide.with_live_due_dates(drafted_box(AUDIT), [undated]) == no_date


def test_box_7_typed_with_windows_line_ends_is_brought_up_to_date_as_it_is_warned() -> None:
    # A box edited in a client that sends "\r\n": the card warned of the stale date (its
    # revision carries the note), so sending and approving must mend it, or the note stays
    # and the published briefing keeps the old date the approver was told would go.
    as_drafted = drafted_box(replace(AUDIT, due_on=date(2026, 12, 31)), BRIEF)
    typed = as_drafted.replace("\n", "\r\n")
    assert guide.due_date_notes(typed, [AUDIT, BRIEF])
    live = guide.with_live_due_dates(typed, [AUDIT, BRIEF])
    assert "Audit 20 referrals (by January 2027)" in live
    assert guide.due_date_notes(live, [AUDIT, BRIEF]) == ()


def test_a_reworded_line_is_the_chairs_own_and_left_alone() -> None:
    text = "Every team: audit referrals (by December 2026)\nAsk your manager about escalation."
    assert guide.due_date_notes(text, [AUDIT]) == ()
    assert guide.with_live_due_dates(text, [AUDIT]) == text


def test_an_open_item_due_in_a_month_past_is_named_but_a_finished_one_is_not() -> None:
    box = drafted_box(AUDIT, BRIEF)
    [note] = guide.overdue_notes(box, [AUDIT, BRIEF], TODAY)
    assert '"by November 2026"' in note
    assert "overdue and still open" in note
    assert guide.overdue_notes(box, [AUDIT, replace(BRIEF, still_open=False)], TODAY) == ()
    assert guide.overdue_notes(box, [AUDIT, BRIEF], date(2026, 11, 30)) == (), "not yet past"


LINE_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"))


@given(st.lists(LINE_TEXT, max_size=6), st.dates(date(2026, 1, 1), date(2030, 12, 31)))
def test_bringing_dates_up_to_date_touches_only_the_named_lines(
    others: list[str], due: date
) -> None:
    moved = replace(AUDIT, due_on=due)
    text = "\n".join([*others, drafted_box(AUDIT)])
    live = guide.with_live_due_dates(text, [moved])
    assert live.split("\n")[: len(others)] == [
        guide.with_live_due_dates(o, [moved]) for o in others
    ]
    assert guide.with_live_due_dates(live, [moved]) == live, "a second pass changes nothing"
    assert guide.due_date_notes(live, [moved]) == ()


# --- the printed briefing -----------------------------------------------------------------------


def briefing_cells(parts: tuple[str, ...]) -> list[str]:
    content = guide_docx("LOS-2026-005", "Child K", parts, TODAY, draft=False)
    return [c.text for r in Document(io.BytesIO(content)).tables[0].rows for c in r.cells]


def test_the_standing_questions_print_once() -> None:
    parts = guide.draft("LOS-2026-005", "Child K", "Reason.", ["neglect"], [], [AUDIT])
    cells = briefing_cells(parts)
    for question in guide.STANDING_QUESTIONS:
        assert sum(c.count(question) for c in cells) == 1, question
    assert "in the partnership channel, mention Line of Sight with guide LOS-2026-005" in cells[7]
    assert "open the guide card" not in " ".join(cells)
    cut = (*parts[:5], "Our own reminder.", parts[6])
    assert all(q in briefing_cells(cut)[7] for q in guide.STANDING_QUESTIONS), "cut: kept once"


# --- the usage form ----------------------------------------------------------------------------


def test_the_usage_form_says_its_limits_before_it_refuses() -> None:
    form = cards.usage_form_card(REVIEW, TODAY.isoformat())
    assert card_problems(form) == []
    inputs = {i["id"]: i for i in form["body"] if i.get("type", "").startswith("Input.")}
    assert inputs["used_on"]["max"] == TODAY.isoformat()
    assert inputs["used_on"]["errorMessage"] == guide.USED_ON_FUTURE
    assert inputs["staff_count"]["errorMessage"] == guide.STAFF_COUNT_MESSAGE
    assert "1 to 10,000" in inputs["staff_count"]["label"]
    assert "min" not in inputs["staff_count"], "a client would turn 0 into 1 without a word"
    assert verbs.GUIDE in card_verbs(form), "a way back to the briefing"


def test_the_server_refuses_what_the_form_would_and_says_why() -> None:
    typed = {"team": "Locality North", "used_on": "2027-03-01", "staff_count": "0"}
    with pytest.raises(FormInvalid) as refused:
        guide.check_usage(typed, TODAY)
    assert refused.value.errors == {
        "used_on": guide.USED_ON_FUTURE,
        "staff_count": guide.STAFF_COUNT_MESSAGE,
    }
    shown = cards.usage_form_card(REVIEW, TODAY.isoformat(), refused.value.errors, typed)
    assert guide.USED_ON_FUTURE in str(shown)
    assert "2027-03-01" in str(shown)


# --- who can approve, and the guide's state -------------------------------------------------


def test_the_chair_is_told_whether_anyone_could_approve_it() -> None:
    asked = guide.approval_request_notice(reached=True, approvers=2, reference="LOS-2026-005")
    nobody = guide.approval_request_notice(reached=False, approvers=0, reference="LOS-2026-005")
    missed = guide.approval_request_notice(reached=False, approvers=3, reference="LOS-2026-005")
    assert asked == "The LIC group has been asked to approve it."
    assert nobody.startswith("No one else can approve it yet")
    assert missed.startswith("Someone can approve it, but I couldn't reach them")
    assert missed.endswith("guide LOS-2026-005")


def test_a_guide_awaiting_approval_says_so_and_since_when() -> None:
    awaiting = GuideStatus(True, False, None, 0, 0, date(2026, 12, 5))
    assert guide_line(awaiting) == "Sent for approval on Sat 5 Dec 2026, not yet published."
    assert guide_line(GuideStatus(True)) == "Drafted, not yet published."
    again = GuideStatus(True, True, date(2026, 11, 2), 1, 9, date(2026, 12, 5))
    assert guide_line(again).endswith("Its next version: sent for approval on Sat 5 Dec 2026.")
    counts = Dissemination(guides_drafted=3, guides_published=1, guides_awaiting=1)
    assert counts.guides_in_draft == 1


# --- the guide card -----------------------------------------------------------------------------

PARTS = guide.draft("LOS-2026-005", "Child K", "Reason.", ["neglect"], [], [AUDIT])
OLD_PARTS = (*PARTS[:6], "Demo Children's Social Care: Audit 20 referrals (by December 2026)")


def record(state: GuideState, *, versions: int = 0) -> GuideRecord:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    kept = tuple(GuideVersion(n, PARTS, "Lic Member", "the LIC group", at) for n in (1, 2))
    return GuideRecord(1, 1, OLD_PARTS, versions > 0, 0, state, 1, kept[:versions])


def test_someone_who_reads_it_sees_the_published_version_only() -> None:
    screen = GuideScreen(
        REVIEW, record(GuideState.AWAITING_APPROVAL, versions=1), edits=False, reads_only=True
    )
    card = cards.guide_card(screen)
    assert card_problems(card) == []
    assert set(card_verbs(card)) == {verbs.GUIDE_USAGE_FORM, verbs.GUIDE_EXPORT}
    assert "Version 1 published" in str(card)
    assert "(by December 2026)" not in str(card), "the working copy stays with its approvers"


@pytest.mark.parametrize("approves", [True, False])
def test_the_approver_and_chair_are_told_box_7_is_out_of_date(approves: bool) -> None:
    notes = guide.due_date_notes(OLD_PARTS[6], [AUDIT])
    refusal = (
        None if approves else "You sent this briefing for approval, so someone else approves it."
    )
    screen = GuideScreen(
        REVIEW,
        record(GuideState.AWAITING_APPROVAL),
        edits=not approves,
        approves=approves,
        due_notes=notes,
        not_approver=refusal,
    )
    card = str(cards.guide_card(screen))
    assert "the action item is now due January 2027" in card
    assert "Approving publishes box 7 with the action items' current due dates." in card
    assert ("You sent this briefing for approval" in card) is not approves
    request = cards.guide_approval_card(screen, "Review Chair")
    assert "now due January 2027" in str(request)
    assert guide_revision(screen.guide, notes) != guide_revision(screen.guide), (
        "a date that changes under the card makes its Approve stale"
    )


# --- who reads a published briefing and records its use ------------------------------------


@given(
    st.sets(st.sampled_from(list(Role))),
    st.sampled_from([None, 1, 2]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_one_rule_reads_a_published_briefing(
    roles: set[Role], agency: int | None, assigned: bool, chairs: bool, in_channel: bool
) -> None:
    """The rule is seeing the review, being in the LIC group, or being in the partnership
    channel; nothing else (a role alone, an agency the review doesn't involve) lets anyone in."""
    member = MemberView(7, 1, None, "Sam (demo)", agency, frozenset(roles))
    access = ReviewAccess(
        chair_member_id=7 if chairs else 3,
        agency_ids=frozenset({1}),
        assignee_member_ids=frozenset({7} if assigned else set()),
    )
    reads = may_read_published_briefing(member, access, in_partnership_channel=in_channel)
    expected = in_channel or Role.LIC_MEMBER in roles or may_see_review(member, access)
    assert reads == expected
    assert may_read_published_briefing(member, access) == (
        Role.LIC_MEMBER in roles or may_see_review(member, access)
    )
    if not roles and agency != 1 and not assigned and not chairs:
        assert reads == in_channel, "a member with no role reads it only in the channel"
