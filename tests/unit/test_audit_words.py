"""A review's audit trail in a manager's words (walk8): the record named, the person by name,
stages and statuses by their labels, dates human, fingerprints of typed text left to the CSV."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.audit_trail import TrailEvent, TrailNames, TrailSubjects
from domain.audit_words import detail_lines, event_words, record_words

SUBJECTS = TrailSubjects(1, "LOS-2026-001", "Child K", (12, 13), (30,), (40,), (50,))
NAMES = TrailNames(
    returns={12: "Demo Police", 13: "Demo Community Health"},
    actions={40: 2},
    members={6: "Alex Wilber", 11: "Health Visitor (demo)"},
    agencies={1: "Demo Police", 2: "Demo Community Health"},
    labels={"agency_team": "Agency and team", "author_role": "Role of the return's author"},
    themes={"voice_of_child": "Lived experience / voice of the child"},
)
WHEN = datetime(2026, 11, 20, 15, 4, tzinfo=UTC)


def event(
    action: str,
    record: tuple[str, str],
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    who: str | None = "Alex Wilber",
    aad: str | None = "aad-1",
) -> TrailEvent:
    return TrailEvent(1, WHEN, aad, who, action, record[0], record[1], before, after)


def test_each_record_is_named_as_the_review_s_people_know_it() -> None:
    def named(kind: str, key: str, after: Mapping[str, Any] | None = None) -> str:
        return record_words(event("x.y", (kind, key), after=after), SUBJECTS, NAMES)

    assert named("review", "1") == "The review LOS-2026-001"
    assert named("pre_analysis_return", "12") == "Demo Police's return"
    assert named("action_item", "40") == "Action item A2"
    assert named("seven_minute_guide", "50") == "The 7-minute briefing guide"
    assert named("chronology_entry", "30", {"return_id": 13}) == (
        "A chronology entry in Demo Community Health's return"
    )
    assert named("export_file", "abcdefgh", {"filename": "LOS-2026-001-audit-trail.csv"}) == (
        "The file LOS-2026-001-audit-trail.csv"
    )
    # A deleted review's records have no names left: said plainly, never as ids.
    assert named("pre_analysis_return", "99") == "A return"
    assert named("action_item", "99") == "An action item"
    assert named("chronology_entry", "31", {"return_id": 99}) == "A chronology entry in a return"


def test_what_was_done_is_said_with_who_did_it() -> None:
    signed = event(
        "return.signed_off",
        ("pre_analysis_return", "12"),
        {"status": "submitted"},
        {"status": "signed_off"},
    )
    words = event_words(signed, SUBJECTS, NAMES)
    assert words.record == "Demo Police's return"
    assert words.deed == "Alex Wilber signed off the return"
    assert words.details == ("Status: Submitted: waiting for sign-off → Signed off",)
    moved = event(
        "review.stage_changed", ("review", "1"), {"stage": "pre_analysis"}, {"stage": "analysis"}
    )
    assert detail_lines(moved, NAMES) == ("Stage: Pre-analysis → Analysis",)
    blocked = event("action.status_changed", ("action_item", "40"), {"status": "open"},
                    {"status": "blocked"})  # fmt: skip
    assert event_words(blocked, SUBJECTS, NAMES).deed == "Alex Wilber marked the item blocked"
    assert detail_lines(blocked, NAMES) == ("Status: Open → Blocked",)
    viewed = event("audit.viewed", ("review", "1"))
    assert event_words(viewed, SUBJECTS, NAMES).deed == "Alex Wilber opened this audit trail"
    run = event("retention.run", ("review", "1"), who=None, aad=None)
    assert event_words(run, SUBJECTS, NAMES).deed == "The system recorded “retention.run”"
    gone = event("return.submitted", ("pre_analysis_return", "12"), who=None, aad="old")
    assert event_words(gone, SUBJECTS, NAMES).deed.startswith("Someone not on the members list ")


def test_answers_saved_are_named_by_question_and_their_fingerprints_are_not_shown() -> None:
    saved = event(
        "return.answers_saved",
        ("pre_analysis_return", "12"),
        after={"agency_team": "sha256:dce5c68c722ee885", "author_role": "sha256:8711255bbb37"},
    )
    words = event_words(saved, SUBJECTS, NAMES)
    assert words.deed == "Alex Wilber saved 'Agency and team' and 'Role of the return's author'"
    assert words.details == ()
    entry = event(
        "chronology.entry_added",
        ("chronology_entry", "30"),
        after={"return_id": 13, "fields": "sha256:dd58c110f28e189d"},
    )
    assert detail_lines(entry, NAMES) == ()
    other = event("x.y", ("review", "1"), after={"note": "sha256:0123456789abcdef"})
    assert detail_lines(other, NAMES) == ("Note: changed (the text is not kept here)",)


def test_people_agencies_themes_and_dates_are_named_not_numbered() -> None:
    assigned = event(
        "review.assigned", ("review", "1"), after={"assigned": [[6, 12], [11, 13], [77, 12]]}
    )
    assert detail_lines(assigned, NAMES) == (
        "Asked to write: Alex Wilber (Demo Police), Health Visitor (demo) (Demo Community "
        "Health) and a former member (Demo Police)",
    )
    created = event(
        "review.created",
        ("review", "1"),
        after={"reference": "LOS-2026-001", "agencies": [1, 2], "returns_due_on": "2026-11-23"},
    )
    assert detail_lines(created, NAMES) == (
        "Agencies: Demo Police and Demo Community Health",
        "Returns due: 23 Nov 2026",
    )
    deputy = event(
        "review.deputy_set",
        ("review", "1"),
        {"deputy_chair_member_id": None},
        {"deputy_chair_member_id": 11},
    )
    assert detail_lines(deputy, NAMES) == ("Deputy chair: none → Health Visitor (demo)",)
    outcome = event(
        "outcome.saved", ("review", "1"), after={"themes": ["voice_of_child"], "needs": 1}
    )
    assert detail_lines(outcome, NAMES) == (
        "Themes: Lived experience / voice of the child",
        "Learning needs: 1",
    )
    hold = event("review.legal_hold_placed", ("review", "1"), {"legal_hold": False},
                 {"legal_hold": True, "reason": "Inquest"})  # fmt: skip
    assert detail_lines(hold, NAMES) == ("Legal hold: off → on", "Reason: Inquest")


def test_text_kept_past_the_identifier_check_is_said_with_each_box_and_kind() -> None:
    """Review 9: `identifiers.kept` (every save that keeps flagged text) read as its stored
    action, and the boxes named by question id were left out, so the card said neither which
    box nor what was found."""
    kept = event(
        "identifiers.kept",
        ("pre_analysis_return", "12"),
        after={"agency_team": ["name", "phone_number"], "comments": ["email"]},
    )
    words = event_words(kept, SUBJECTS, NAMES)
    assert words.deed == "Alex Wilber kept text the identifier check flagged, as not identifying"
    assert words.details == (
        "'Agency and team': a name and a phone number",
        "Comments: an email address",
    )


def test_a_return_s_first_writers_are_assigned_and_later_ones_change_who_writes() -> None:
    """The first assignment on a new review read "changed who writes a return": nobody wrote
    it before, so it says "assigned"; adding to writers already there changes who writes."""
    first = event("review.assigned", ("review", "1"), None, {"assigned": [[6, 12], [11, 13]]})
    words = event_words(first, SUBJECTS, NAMES)
    assert words.deed == "Alex Wilber assigned who writes a return"
    assert words.details == (
        "Asked to write: Alex Wilber (Demo Police) and Health Visitor (demo) (Demo Community "
        "Health)",
    )
    on_return = event(
        "review.assigned", ("pre_analysis_return", "12"), {"assignees": []}, {"assigned": [6]}
    )
    assert event_words(on_return, SUBJECTS, NAMES).deed.endswith(" assigned who writes a return")
    more = event(
        "review.assigned", ("pre_analysis_return", "12"), {"assignees": [11]}, {"assigned": [6]}
    )
    assert event_words(more, SUBJECTS, NAMES).deed.endswith(" changed who writes a return")
    later = event(
        "review.assigned", ("review", "1"), {"assignees": [[11, 12]]}, {"assigned": [[6, 12]]}
    )
    assert event_words(later, SUBJECTS, NAMES).deed.endswith(" changed who writes a return")


def test_a_published_outcome_counts_its_items_and_names_them_as_the_meeting_did() -> None:
    """ "Published the outcome" listed "LOS-2026-001/A1, …": the record names the review, so the
    items read A1, A2 and A3, and the deed says how many."""
    refs = ["LOS-2026-001/A1", "LOS-2026-001/A2", "LOS-2026-001/A3"]
    published = event("outcome.published", ("review", "1"), None, {"actions": refs})
    words = event_words(published, SUBJECTS, NAMES)
    assert words.deed == "Alex Wilber published the outcome with 3 action items"
    assert words.details == ("Action items: A1, A2 and A3",)
    one = event("outcome.published", ("review", "1"), None, {"actions": refs[:1]})
    assert event_words(one, SUBJECTS, NAMES).deed.endswith("with 1 action item")
    none = event("outcome.published", ("review", "1"), None, {"actions": []})
    assert event_words(none, SUBJECTS, NAMES).deed.endswith("the outcome, with no action items")
    assert "LOS-2026-001/" not in " ".join(event_words(none, SUBJECTS, NAMES).details)


def test_what_a_summary_view_could_see_is_said_in_a_manager_s_words() -> None:
    """walk9: "Access: full" read as jargon."""
    said = {
        access: detail_lines(
            event("summary.viewed", ("review", "1"), after={"access": access}), NAMES
        )
        for access in ("full", "own", "none")
    }
    assert said == {
        "full": ("What they could see: the whole review",),
        "own": ("What they could see: only their own returns and action items",),
        "none": ("What they could see: nothing of the review",),
    }
