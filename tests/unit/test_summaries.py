"""Issue 6 rules without a database: who sees what, RAG and clocks, natural phrasing, review and
agency matching, and every card within Teams' size limit at a large review."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards import verbs
from cards.summaries import dashboard_card, did_you_mean_card, overdue_card, summary_card
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems, card_size
from domain.action_history import HistoryEntry
from domain.calendar import DEFAULT_CALENDAR
from domain.chasers import DEFAULT_POLICY, Rag, rag
from domain.commands import interpret
from domain.errors import NotPermitted
from domain.model import ActionStatus, MemberView, ReturnStatus, ReviewStage, Role
from domain.pack import WITHOUT_RETURN, decision_label
from domain.phrasing import (
    FILLER,
    Fit,
    ReviewRef,
    looks_like_review,
    match_agency,
    match_review,
    period_from_key,
    quarter,
    take_period,
    which_one,
    which_review,
    year_period,
)
from domain.records import ReviewView
from domain.return_state import return_status_label
from domain.summaries import (
    Access,
    ActionRow,
    Dashboard,
    Dissemination,
    GuideStatus,
    ImpactLine,
    Involvement,
    ItemStanding,
    LateItem,
    OverdueList,
    OverdueRow,
    ReturnLine,
    Scope,
    ScopeKind,
    SummaryRecords,
    ThemeTally,
    access_to,
    build_summary,
    chased_text,
    clock_facts,
    clocks,
    late_chase_text,
    overdue_cutoff,
    rate,
    scope_for,
    theme_counts_text,
    theme_quarters_text,
    theme_trends,
)

TODAY = date(2026, 6, 15)  # a Monday
KNOWN = ("help", "my profile", "reviews", "summary", "dashboard", "overdue", "export", "pack")


def member(*roles: Role, agency: int | None = None, member_id: int = 7) -> MemberView:
    return MemberView(member_id, 1, "aad", "Someone", agency, frozenset(roles))


def review(**changes: object) -> ReviewView:
    values: dict[str, object] = {
        "id": 1,
        "partnership_id": 1,
        "reference": "LOS-2026-004",
        "pseudonym": "Child K",
        "reason": "x",
        "chair_member_id": 99,
        "stage": ReviewStage.ACTIONS_OPEN,
        "opened_on": date(2026, 1, 12),
        "returns_due_on": date(2026, 2, 2),
        "meeting_on": date(2026, 2, 23),
    }
    values.update(changes)
    return ReviewView(**values)  # type: ignore[arg-type]


def action(number: int = 1, **changes: object) -> ActionRow:
    values: dict[str, object] = {
        "id": number,
        "review_id": 1,
        "review_reference": "LOS-2026-004",
        "pseudonym": "Child K",
        "reference": f"LOS-2026-004/A{number}",
        "description": "Audit twenty attendance referrals against the escalation pathway " * 3,
        "finding": "Attendance concerns were not escalated.",
        "theme": "neglect",
        "success_measure": "90% escalated within 5 working days",
        "status": ActionStatus.OPEN,
        "owner_name": "Practitioner With A Long Name",
        "agency_name": "Humberside Police Safeguarding Unit",
        "agreed_on": date(2026, 2, 23),
        "due_on": date(2026, 12, 1),
        "revised_due_on": None,
        "revised_due_reason": None,
        "chase_count": 0,
        "evidence": None,
        "latest": HistoryEntry(
            datetime(2026, 5, 1, tzinfo=UTC),
            "progress",
            "Drafted the audit tool and agreed the sample with the data team " * 3,
            "Practitioner With A Long Name",
        ),
        "latest_rag": None,
        "impact_closed": False,
    }
    values.update(changes)
    return ActionRow(**values)  # type: ignore[arg-type]


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CHAIR, Role.LIC_MEMBER])
def test_partnership_roles_see_everything(role: Role) -> None:
    assert scope_for(member(role, agency=3)).kind is ScopeKind.PARTNERSHIP


def test_a_manager_sees_their_agency_or_the_partnership_without_one() -> None:
    assert scope_for(member(Role.MANAGER, agency=3)) == Scope(
        ScopeKind.AGENCY, 1, 7, frozenset({3})
    )
    assert scope_for(member(Role.MANAGER)).kind is ScopeKind.PARTNERSHIP
    assert scope_for(member(Role.AGENCY_LEAD, agency=3)).kind is ScopeKind.AGENCY


def test_a_lead_sees_the_reviews_of_every_agency_they_lead_a_manager_their_own() -> None:
    """A lead covering a second agency signs its returns off as its own lead does, so sees its
    reviews as its own lead does; cover is a lead's, so a manager's view stays their agency."""
    police, school, health = 3, 5, 4
    covering = replace(
        member(Role.AGENCY_LEAD, agency=police), covered_agency_ids=frozenset({school})
    )
    scope = scope_for(covering)
    assert scope == Scope(ScopeKind.AGENCY, 1, 7, frozenset({police, school}))
    at_school = Involvement(review(), frozenset({school}), assigned=False, owns_items=False)
    at_health = Involvement(review(), frozenset({health}), assigned=False, owns_items=False)
    assert access_to(scope, at_school) is Access.FULL
    assert access_to(scope, at_health) is Access.NONE
    manager = replace(member(Role.MANAGER, agency=police), covered_agency_ids=frozenset({school}))
    assert scope_for(manager).agency_ids == {police}
    no_agency = replace(member(Role.AGENCY_LEAD), covered_agency_ids=frozenset({school}))
    assert scope_for(no_agency) == Scope(ScopeKind.AGENCY, 1, 7, frozenset({school}))


def test_practitioners_see_their_own_work_and_no_role_sees_nothing() -> None:
    assert scope_for(member(Role.PRACTITIONER, agency=3)).kind is ScopeKind.OWN
    assert scope_for(member(Role.AGENCY_LEAD)).kind is ScopeKind.OWN
    with pytest.raises(NotPermitted):
        scope_for(member())


def test_access_to_one_review() -> None:
    police, health = 3, 4
    involved = Involvement(review(), frozenset({police}), assigned=False, owns_items=False)
    manager = scope_for(member(Role.MANAGER, agency=police))
    other_manager = scope_for(member(Role.MANAGER, agency=health))
    practitioner = scope_for(member(Role.PRACTITIONER, agency=health))
    assert access_to(manager, involved) is Access.FULL
    assert access_to(other_manager, involved) is Access.NONE
    assert access_to(practitioner, involved) is Access.NONE
    owner = Involvement(review(), frozenset({police}), assigned=False, owns_items=True)
    assert access_to(practitioner, owner) is Access.OWN
    assert access_to(other_manager, owner) is Access.OWN
    chaired = Involvement(review(chair_member_id=7), frozenset(), False, False)
    assert access_to(practitioner, chaired) is Access.FULL


# --- RAG and clocks ----------------------------------------------------------------------------


def test_rating_uses_the_chaser_rag_rule() -> None:
    for row in (
        action(due_on=date(2026, 6, 1)),
        action(due_on=date(2026, 6, 18), status=ActionStatus.IN_PROGRESS),
        action(due_on=date(2026, 12, 1)),
        action(status=ActionStatus.BLOCKED),
        action(status=ActionStatus.CLOSED, impact_closed=True),
        action(status=ActionStatus.CANCELLED),
    ):
        assessed = Rag(row.latest_rag) if row.latest_rag else None
        assert rate(row, TODAY, DEFAULT_POLICY) == rag(
            row.status,
            row.effective_due or TODAY,
            TODAY,
            row.impact_closed,
            DEFAULT_POLICY.reminder_days_before,
            self_assessment=assessed,
        )
    assert rate(action(due_on=date(2026, 6, 1)), TODAY, DEFAULT_POLICY) is Rag.RED
    assert rate(action(due_on=date(2026, 6, 18)), TODAY, DEFAULT_POLICY) is Rag.AMBER
    assert rate(action(), TODAY, DEFAULT_POLICY) is Rag.GREEN
    assert rate(action(status=ActionStatus.CLOSED), TODAY, DEFAULT_POLICY) is Rag.BLUE
    assert rate(action(latest_rag="red"), TODAY, DEFAULT_POLICY) is Rag.RED, "self-assessed"
    assert rate(action(latest_rag="nonsense"), TODAY, DEFAULT_POLICY) is Rag.GREEN
    assert rate(action(status=ActionStatus.CANCELLED), TODAY, DEFAULT_POLICY) is None
    done = action(status=ActionStatus.COMPLETED, latest_rag="amber")
    assert rate(done, TODAY, DEFAULT_POLICY) is Rag.GREEN, "delivered: never 'due soon'"


def test_a_revised_date_replaces_the_target_and_no_date_is_never_late() -> None:
    late = action(due_on=date(2026, 3, 2))
    revised = action(due_on=date(2026, 3, 2), revised_due_on=date(2026, 12, 1))
    assert rate(late, TODAY, DEFAULT_POLICY) is Rag.RED
    assert rate(revised, TODAY, DEFAULT_POLICY) is Rag.GREEN
    assert rate(action(due_on=None), TODAY, DEFAULT_POLICY) is Rag.GREEN


@pytest.mark.parametrize("offset", range(-20, 21))
def test_the_sql_overdue_cutoff_agrees_with_rag(offset: int) -> None:
    """storage/ filters `effective_due <= cutoff`; that must be exactly rag()'s red."""
    for today in (TODAY, date(2026, 12, 28), date(2026, 4, 6), date(2026, 5, 25)):
        due = today + timedelta(days=offset)
        red = rag(ActionStatus.OPEN, due, today, False) is Rag.RED
        assert (due <= overdue_cutoff(today, DEFAULT_POLICY)) is red, (today, due)


def test_overdue_cutoff_skips_weekends_and_bank_holidays() -> None:
    assert overdue_cutoff(TODAY, DEFAULT_POLICY) == date(2026, 6, 12)  # Monday -> Friday
    assert overdue_cutoff(date(2026, 4, 7), DEFAULT_POLICY) == date(2026, 4, 2)  # Easter


def test_clocks_count_working_days() -> None:
    opened = date(2026, 6, 1)
    pending = [ReturnLine("Police", ReturnStatus.IN_PROGRESS, None, ("Pat",))]
    c = clocks(
        review(
            opened_on=opened,
            returns_due_on=date(2026, 6, 22),
            meeting_on=date(2026, 7, 13),
            stage=ReviewStage.PRE_ANALYSIS,
        ),
        pending,
        TODAY,
        DEFAULT_POLICY,
    )
    assert c.working_days_open == DEFAULT_CALENDAR.working_days_between(opened, TODAY) == 10
    assert c.returns_due_in == 5
    assert c.meeting_in == 20
    assert not c.returns_all_in
    late = clocks(review(returns_due_on=date(2026, 6, 10)), pending, TODAY, DEFAULT_POLICY)
    assert late.returns_due_in == -3


@pytest.mark.parametrize("today", [date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21)])
def test_overdue_returns_count_the_working_days_since_the_due_day_as_the_dashboard_does(
    today: date,
) -> None:
    """Due Mon 8 June: Fri 19, Sat 20 and Sun 21 June are all 9 working days late (the due day
    itself is not late, and a weekend today adds nothing); it once said 10 at the weekend."""
    pending = [ReturnLine("Police", ReturnStatus.IN_PROGRESS, None, ("Pat",))]
    due = date(2026, 6, 8)
    late = clocks(review(returns_due_on=due), pending, today, DEFAULT_POLICY)
    assert late.returns_due_in == -DEFAULT_CALENDAR.working_days_between(due, today) == -9


def test_clock_wording() -> None:
    summary = build_summary(
        review(
            opened_on=date(2026, 6, 1),
            returns_due_on=date(2026, 6, 10),
            meeting_on=date(2026, 7, 13),
            stage=ReviewStage.PRE_ANALYSIS,
        ),
        Access.FULL,
        records(returns=2, actions=0),
        TODAY,
        DEFAULT_POLICY,
    )
    facts = dict(clock_facts(summary))
    assert facts["Open for"] == "10 working days (since Mon 1 Jun 2026)"
    assert facts["Returns"].startswith("0 of 2 in · overdue by 3 working days")
    assert facts["Meeting"] == "Mon 13 Jul 2026 (in 20 working days)"


def test_the_returns_clock_says_what_happened_to_each_return() -> None:
    """Two proceeded without and one nil were shown as "All 4 in"."""

    def returns_fact(*statuses: ReturnStatus) -> str:
        lines = tuple(ReturnLine(f"Agency {i}", s, None, ()) for i, s in enumerate(statuses))
        settled = replace(records(returns=0, actions=0), returns=lines)
        summary = build_summary(review(), Access.FULL, settled, TODAY, DEFAULT_POLICY)
        return dict(clock_facts(summary))["Returns"]

    nil, without = ReturnStatus.NIL, ReturnStatus.PROCEEDED_WITHOUT
    signed, pending = ReturnStatus.SIGNED_OFF, ReturnStatus.IN_PROGRESS
    assert returns_fact(signed, nil, without, without) == "1 in, 1 nil, 2 proceeded without"
    assert returns_fact(signed, ReturnStatus.SUBMITTED) == "All 2 in"
    assert returns_fact(nil, without) == "1 nil, 1 proceeded without"
    assert returns_fact(signed, nil, pending).startswith("1 of 3 in, 1 nil · ")


def test_a_closed_review_stops_counting_the_days_it_was_open() -> None:
    closed = review(
        opened_on=date(2026, 6, 1), stage=ReviewStage.CLOSED, closed_on=date(2026, 6, 5)
    )
    summary = build_summary(closed, Access.FULL, records(2, 0), TODAY, DEFAULT_POLICY)
    assert dict(clock_facts(summary))["Open for"] == (
        "4 working days until it closed on Fri 5 Jun 2026 (opened Mon 1 Jun 2026)"
    )
    later = build_summary(
        closed, Access.FULL, records(2, 0), TODAY + timedelta(days=30), DEFAULT_POLICY
    )
    assert dict(clock_facts(later))["Open for"] == dict(clock_facts(summary))["Open for"]


def test_a_held_meeting_shows_the_day_the_outcome_records_not_the_plan() -> None:
    """An outcome published before the planned day showed "Held" on that future day."""
    held = replace(records(returns=2, actions=0), held_on=date(2026, 6, 12))
    planned = review(meeting_on=date(2026, 7, 13), stage=ReviewStage.ACTIONS_OPEN)
    summary = build_summary(planned, Access.FULL, held, TODAY, DEFAULT_POLICY)
    assert dict(clock_facts(summary))["Meeting"] == "Held Fri 12 Jun 2026"
    older = build_summary(planned, Access.FULL, records(2, 0), TODAY, DEFAULT_POLICY)
    assert dict(clock_facts(older))["Meeting"] == "Held Mon 13 Jul 2026", "no held day recorded"


def test_the_summary_lists_red_first() -> None:
    rows = (
        action(1),
        action(2, status=ActionStatus.CLOSED, impact_closed=True),
        action(3, due_on=date(2026, 6, 1)),
        action(4, due_on=date(2026, 6, 17)),
    )
    summary = build_summary(
        review(), Access.FULL, records(actions=0, rows=rows), TODAY, DEFAULT_POLICY
    )
    assert [a.row.reference[-2:] for a in summary.actions] == ["A3", "A4", "A1", "A2"]
    assert summary.rag_counts[Rag.RED] == 1
    assert summary.rag_counts[Rag.BLUE] == 1


def test_theme_trends_by_quarter() -> None:
    trends = theme_trends(
        [ThemeTally("neglect", 2026, 2, 1), ThemeTally("neglect", 2026, 5, 2)],
        [ThemeTally("neglect", 2026, 3, 4), ThemeTally("domestic_abuse", 2026, 8, 1)],
        quarter(2026, 1).__class__(date(2026, 1, 1), date(2026, 12, 31), "2026", "2026"),
    )
    assert [t.slug for t in trends] == ["neglect", "domestic_abuse"]
    neglect = trends[0]
    assert (neglect.reviews, neglect.actions) == (3, 4)
    # Reviews and action items stay apart in each quarter: their sum means neither.
    assert [(q.name, q.reviews, q.actions) for q in neglect.by_quarter] == [
        ("2026 Q1", 1, 4),
        ("2026 Q2", 2, 0),
        ("2026 Q3", 0, 0),
        ("2026 Q4", 0, 0),
    ]
    assert neglect.series("reviews") == (1, 2, 0, 0)
    assert neglect.series("actions") == (4, 0, 0, 0)
    assert neglect.label == "Neglect"
    assert theme_counts_text(neglect) == "in 3 reviews, 4 action items"
    assert theme_quarters_text(neglect, "reviews") == "reviews by quarter: Q1 1, Q2 2, Q3 0, Q4 0"
    assert theme_counts_text(trends[1]) == "in 0 reviews, 1 action item"


# --- natural phrasing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("show me the summary for LOS-2026-004", ("summary", "los-2026-004")),
        ("What's overdue for Police?", ("overdue", "police")),
        ("summary for child k", ("summary", "child k")),
        ("what's overdue?", ("overdue", "")),
        ("dashboard police 2026-Q3", ("dashboard", "police 2026-q3")),
        ("show me the dashboard for police in 2026 q3", ("dashboard", "police 2026 q3")),
        ("how is LOS-2026-004 doing?", ("summary", "los-2026-004")),
        ("2026-004", ("summary", "2026-004")),
        ("<at>Line of Sight</at> summary 2026/4", ("summary", "2026/4")),
        ("export LOS-2026-004 csv", ("export", "los-2026-004 csv")),
        ("can I have the action tracker for 2026-004 please", ("export", "2026-004 xlsx")),
        ("export the summary for los-2026-4 as a word document", ("export", "los-2026-4 docx")),
        ("show me the reviews", ("reviews", "")),
        ("what can I do?", ("help", "")),
        ("pack LOS-2026-001", ("pack", "los-2026-001")),
        # walk10: filler words go; the review's pseudonym is what is left.
        ("show me the overdue stuff for child k", ("overdue", "child k")),
        ("any overdue things involving Child K?", ("overdue", "child k")),
        ("what's still overdue for all the police ones", ("overdue", "police")),
        ("overdue items for child k this quarter", ("overdue", "child k this quarter")),
    ],
)
def test_natural_phrasing(text: str, expected: tuple[str, str]) -> None:
    command = interpret(text, KNOWN)
    assert command is not None
    assert (command.name, command.argument) == expected


@pytest.mark.parametrize("text", ["hello there", "thanks!", "child k", ""])
def test_other_text_still_gets_the_help_card(text: str) -> None:
    assert interpret(text, KNOWN) is None


FILLER_WORDS = sorted(FILLER - {"review", "reviews"})


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(st.sampled_from(FILLER_WORDS), max_size=4),
    between=st.lists(st.sampled_from(FILLER_WORDS), max_size=4),
    after=st.lists(st.sampled_from(FILLER_WORDS), max_size=3),
    letter=st.sampled_from("abcdefghjklmnpqrstuvwxyz"),
)
def test_filler_around_a_pseudonym_leaves_the_pseudonym(
    before: list[str], between: list[str], after: list[str], letter: str
) -> None:
    """However an overdue question is padded with connecting and vague words ("show me the
    overdue stuff for child k", walk10), what it is about is the pseudonym alone, which
    names the review."""
    text = " ".join([*before, "overdue", *between, "child", letter, *after])
    command = interpret(text, KNOWN)
    assert command is not None, text
    assert command.name == "overdue", text
    assert command.argument == f"child {letter}", text
    assert looks_like_review(command.argument)
    refs = [ReviewRef(9, "LOS-2026-009", f"Child {letter.upper()}", 2026, 9)]
    assert match_review(command.argument, refs).found == refs[0]


def test_phrasing_only_maps_to_registered_commands() -> None:
    assert interpret("what's overdue for police", ("help",)) is None
    assert interpret("show me my actions", (*KNOWN, "my actions")).name == "my actions"  # type: ignore[union-attr]
    assert interpret("show me my actions", KNOWN) is None


REFS = [
    ReviewRef(1, "LOS-2026-001", "Child K", 2026, 1),
    ReviewRef(2, "LOS-2026-002", "Child M", 2026, 2),
    ReviewRef(3, "LOS-2026-003", "Child K", 2026, 3),
    ReviewRef(4, "LOS-2025-007", "Baby L", 2025, 7),
    ReviewRef(5, "LOS-2025-002", "Sibling group Q", 2025, 2),
]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("LOS-2026-002", 2),
        ("los 2026 2", 2),
        ("2026-002", 2),
        ("2026/2", 2),
        ("los-2025-7", 4),
        ("7", 4),
        ("007", 4),
        ("child m", 2),
        ("Child M", 2),
        ("m", 2),
        ("baby l", 4),
        ("l", 4),
        ("the review LOS-2026-002", 2),
    ],
)
def test_tolerant_reference_matching(text: str, found: int) -> None:
    match = match_review(text, REFS)
    assert match.found is not None
    assert match.found.id == found


def test_ambiguous_names_give_candidates_most_recent_first() -> None:
    assert [r.id for r in match_review("child k", REFS).candidates] == [3, 1]
    assert [r.id for r in match_review("2", REFS).candidates] == [2, 5]
    assert match_review("chld m", REFS).candidates[0].id == 2
    assert match_review("LOS-2026-099", REFS) == match_review("LOS-2026-099", [])
    assert match_review("zebra crossing", REFS).candidates == ()


def test_several_equal_matches_are_not_near_misses() -> None:
    # Two reviews called Child K, two numbered 2: each fits what was typed exactly.
    assert match_review("child k", REFS).fit is Fit.SEVERAL
    assert match_review("2", REFS).fit is Fit.SEVERAL
    # No review is called Child Z: the ones that come close are near misses, not an ambiguity.
    near = match_review("child z", REFS)
    assert near.found is None
    assert near.candidates
    assert near.fit is Fit.NEAR
    assert match_review("chld m", REFS).fit is Fit.NEAR
    # Part of two names ("ka" of Child Kai and Child Kate) names neither of them.
    kai = [ReviewRef(7, "LOS-2026-010", "Child Kai", 2026, 10)]
    kate = [ReviewRef(8, "LOS-2026-011", "Child Kate", 2026, 11)]
    part = match_review("child ka", REFS + kai + kate)
    assert [r.id for r in part.candidates] == [8, 7]
    assert part.fit is Fit.NEAR
    assert match_review("Child Kai", REFS + kai + kate).found == kai[0]
    # Nothing typed: a choice of all, neither ambiguous nor a miss.
    assert match_review("", REFS).fit is Fit.UNNAMED
    assert match_review("the", REFS).fit is Fit.UNNAMED


def test_the_question_back_says_which_case_it_is() -> None:
    several, near = match_review("child k", REFS), match_review("child z", REFS)
    assert which_one(several.fit, "child k") == "More than one review fits “child k”: which one?"
    # A near miss is never said back: it names none of their reviews (a real name typed by
    # mistake, or one they may not see).
    assert which_one(near.fit, "child z") == (
        "No review you can see is called that. Did you mean one of these?"
    )
    # An agency is an organisation, not a child: its near miss is said back.
    assert which_one(Fit.NEAR, "polce", "agency") == (
        "No agency is called “polce”. Did you mean one of these?"
    )
    assert which_review(several, "child k") == (
        "More than one review fits “child k”: LOS-2026-003 (Child K) or LOS-2026-001 "
        "(Child K). Type the reference of the one you mean."
    )
    told = which_review(near, "child z")
    assert told.startswith("No review you can see is called that. Did you mean LOS-")
    assert told.endswith("? Type its reference.")
    assert "More than one" not in told
    assert "child z" not in told
    # What was typed is said back on one line and cut short, never whole.
    long = which_one(Fit.SEVERAL, "child\n" + "k" * 200)
    assert "k" * 60 not in long
    assert "…" in long
    assert "\n" not in long


def test_periods_and_agencies() -> None:
    period, rest = take_period("police 2026-q3", TODAY)
    assert period is not None
    assert (period.start, period.end, period.label, rest) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        "2026 Q3",
        "police",
    )
    assert take_period("q1 2026", TODAY)[0] == quarter(2026, 1)
    assert take_period("last quarter", TODAY)[0] == quarter(2026, 1)
    assert take_period("this year", TODAY)[0].label == "2026"  # type: ignore[union-attr]
    assert take_period("police", TODAY) == (None, "police")
    assert period_from_key("2025-Q4", TODAY) == quarter(2025, 4)
    assert period_from_key("all", TODAY) is None
    assert period_from_key("junk 2026", TODAY) is None
    agencies = [
        (1, "Humberside Police", "police"),
        (2, "NHS Humber Health", "health"),
        (3, "Hull Police Custody", "police"),
    ]
    assert match_agency("humberside police", agencies).found == (1, "Humberside Police")
    assert match_agency("health", agencies).found == (2, "NHS Humber Health")
    assert [c[0] for c in match_agency("police", agencies).candidates] == [1, 3]
    assert match_agency("police", agencies).fit is Fit.SEVERAL
    assert match_agency("humbersid polce", agencies).fit is Fit.NEAR
    assert match_agency("custody", agencies).found == (3, "Hull Police Custody")
    assert match_agency("", agencies).found is None


# --- cards -------------------------------------------------------------------------------------


def records(
    returns: int = 20, actions: int = 60, rows: tuple[ActionRow, ...] = ()
) -> SummaryRecords:
    statuses = list(ReturnStatus)
    return SummaryRecords(
        returns=tuple(
            ReturnLine(
                f"Agency number {i} with a long partnership name",
                statuses[i % len(statuses)] if i else ReturnStatus.IN_PROGRESS,
                date(2026, 2, 2),
                ("Practitioner One", "Practitioner Two"),
            )
            for i in range(returns)
        ),
        agreed_themes=("neglect", "information_sharing", "hidden_adults", "domestic_abuse"),
        learning_needs=tuple(f"Learning need {i}: " + "escalate sooner " * 8 for i in range(9)),
        outcome_published=True,
        actions=rows
        or tuple(
            action(
                i,
                due_on=date(2026, 1, 1) + timedelta(days=7 * i),
                status=list(ActionStatus)[i % 6],
            )
            for i in range(1, actions + 1)
        ),
        impacts=tuple(
            ImpactLine(
                f"LOS-2026-004/A{i}",
                "x" * 300,
                "y" * 300,
                "Children referred sooner " * 10,
                None,
                "close",
                "LIC-1",
                date(2026, 5, 1),
                datetime(2026, 5, 1, tzinfo=UTC),
            )
            for i in range(12)
        ),
        guide=GuideStatus(True, True, date(2026, 3, 2), 4, 57),
    )


@pytest.mark.parametrize("manage", [False, True])
def test_the_largest_review_summary_fits_teams_on_every_page(manage: bool) -> None:
    """Its chair's too, whose rows each say they open the item."""
    summary = build_summary(review(), Access.FULL, records(), TODAY, DEFAULT_POLICY)
    assert len(summary.actions) == 60
    seen: set[str] = set()
    page = 1
    while True:
        card = summary_card(summary, page, manage=manage)
        assert card_problems(card) == [], page
        assert card_size(card) <= TEAMS_CARD_LIMIT_BYTES
        text = json.dumps(card)
        seen.update(
            a.row.reference
            for a in summary.actions
            if f"**{a.row.reference[-3:]}**" in text
            or f"**{a.row.reference.rsplit('/', 1)[1]}** " in text
        )
        nexts = [a for a in card["actions"] if a["title"] == "More actions"]
        if not nexts:
            break
        page = nexts[0]["data"]["page"]
    assert len(seen) == 60, "paging reaches every action item"
    assert "Agency number 1 " in json.dumps(summary_card(summary))


def test_a_summary_with_huge_text_still_fits() -> None:
    huge = tuple(
        action(i, description="Z" * 5000, owner_name="N" * 200, agency_name="A" * 200)
        for i in range(1, 61)
    )
    summary = build_summary(
        review(pseudonym="P" * 60), Access.FULL, records(rows=huge), TODAY, DEFAULT_POLICY
    )
    card = summary_card(summary, 3)
    assert card_size(card) <= TEAMS_CARD_LIMIT_BYTES
    assert card_problems(card) == []


def test_an_own_view_says_so_and_every_button_has_a_verb() -> None:
    summary = build_summary(review(), Access.OWN, records(2, 3), TODAY, DEFAULT_POLICY)
    card = summary_card(summary)
    assert "your own return and action items" in json.dumps(card)
    for element in [*card["actions"], *card["body"][-1]["actions"]]:
        assert element["verb"] in verbs.ALL


def test_returns_settled_without_one_share_the_pack_cards_heading_and_say_whose_word() -> None:
    """A nil return is its lead's word: the summary called it one of "Chair's decisions". And
    each is said as the Manage card says it: the summary said "Proceeded without" where the
    Manage card said "Proceeding without"."""
    lines = (
        ReturnLine("Demo Police", ReturnStatus.SIGNED_OFF, date(2026, 2, 2), ()),
        ReturnLine("Demo Health", ReturnStatus.NIL, date(2026, 2, 2), ()),
        ReturnLine("Demo School", ReturnStatus.PROCEEDED_WITHOUT, date(2026, 2, 2), ()),
    )
    summary = build_summary(
        review(), Access.FULL, replace(records(0, 1), returns=lines), TODAY, DEFAULT_POLICY
    )
    text = json.dumps(summary_card(summary))
    assert "Chair's decisions" not in text
    assert f"{WITHOUT_RETURN}: Demo Health: {decision_label(ReturnStatus.NIL)}" in text
    assert "confirmed by its lead" in decision_label(ReturnStatus.NIL)
    assert f"Demo School: {decision_label(ReturnStatus.PROCEEDED_WITHOUT)}" in text
    assert "chair's decision" in decision_label(ReturnStatus.PROCEEDED_WITHOUT)
    assert "Demo School: Proceeding without (chair's decision)" in text
    assert "Proceeded without" not in text
    for status in ReturnStatus:
        assert decision_label(status) == return_status_label(status), status


def _impact(reference: str, decision: str, day: int, better_off: str) -> ImpactLine:
    at = datetime(2026, 5, day, tzinfo=UTC)
    return ImpactLine(reference, "Audit", "Well", better_off, None, decision, None, None, at)


def test_impact_recorded_is_the_record_that_stands_for_each_item() -> None:
    """An item escalated by the LIC group and later closed has two records: the card listed
    both under "Impact recorded"; the close is its impact."""
    impacts = (
        _impact("LOS-2026-004/A1", "escalate", 1, "Not yet"),
        _impact("LOS-2026-004/A1", "close", 9, "Children referred sooner"),
        _impact("LOS-2026-004/A2", "keep_open", 5, "Too early to say"),
    )
    rows = (
        action(1, status=ActionStatus.CLOSED),
        action(2, status=ActionStatus.IN_PROGRESS),
        action(3),
    )
    summary = build_summary(
        review(), Access.FULL, replace(records(0, 3, rows), impacts=impacts), TODAY, DEFAULT_POLICY
    )
    assert [(i.action_reference, i.decision) for i in summary.impact_recorded] == [
        ("LOS-2026-004/A1", "close"),
        ("LOS-2026-004/A2", "keep_open"),
    ]
    text = json.dumps(summary_card(summary), ensure_ascii=False)
    assert "Impact evidenced (closed): 1 of 3 action items" in text
    assert "The LIC group decided otherwise on 1: 1 kept open" in text
    assert "**A1** · LIC closed Sat 9 May 2026 · better off: Children referred sooner" in text
    assert "**A2** · LIC kept open Tue 5 May 2026 · better off: Too early to say" in text
    assert "escalated to the chair" not in text
    assert "Not yet" not in text


def test_only_items_closed_with_impact_count_as_evidenced_and_each_says_where_it_stands() -> None:
    """The walk-through: A1 kept open, A2 escalated (then the chair set a new date, so it is in
    progress again), A3 closed. The card said "Impact recorded: 3 of 3" and "A2 · escalated to
    the chair" while A2's own row said in progress."""
    impacts = (
        _impact("LOS-2026-005/A1", "keep_open", 2, "Not yet"),
        _impact("LOS-2026-005/A2", "escalate", 3, "No evidence yet"),
        _impact("LOS-2026-005/A3", "keep_open", 4, "Too early"),
        _impact("LOS-2026-005/A3", "close", 6, "Officers escalate sooner"),
    )
    rows = tuple(
        action(n, reference=f"LOS-2026-005/A{n}", status=status)
        for n, status in (
            (1, ActionStatus.IN_PROGRESS),
            (2, ActionStatus.IN_PROGRESS),  # the chair set a new date
            (3, ActionStatus.CLOSED),
        )
    )
    summary = build_summary(
        review(), Access.FULL, replace(records(0, 3, rows), impacts=impacts), TODAY, DEFAULT_POLICY
    )
    picture = summary.impact_standing
    assert (picture.evidenced, picture.total) == (1, 3)
    assert picture.otherwise == (("kept open", 1), ("escalated to the chair", 1))
    assert [s.moved_on for s in picture.items] == [False, True, False]
    text = json.dumps(summary_card(summary), ensure_ascii=False)
    assert "Impact evidenced (closed): 1 of 3 action items" in text
    assert "decided otherwise on 2: 1 kept open, 1 escalated to the chair" in text
    assert "**A2** · LIC escalated to the chair Sun 3 May 2026; now in progress" in text
    assert "**A1** · LIC kept open Sat 2 May 2026 · better off" in text, "not moved on"
    assert "3 of 3" not in text


def test_an_item_kept_open_then_marked_complete_says_so() -> None:
    standing = ItemStanding(_impact("R/A1", "keep_open", 2, "x"), ActionStatus.COMPLETED)
    assert standing.moved_on
    assert not standing.evidenced
    assert standing.words == "LIC kept open Sat 2 May 2026; now completed"


def test_the_analysis_stage_does_not_say_signed_off_of_a_nil_return() -> None:
    lines = (
        ReturnLine("Demo Police", ReturnStatus.SIGNED_OFF, date(2026, 2, 2), ()),
        ReturnLine("Demo Health", ReturnStatus.NIL, date(2026, 2, 2), ()),
    )
    summary = build_summary(
        review(stage=ReviewStage.ANALYSIS),
        Access.FULL,
        replace(records(0, 1), returns=lines),
        TODAY,
        DEFAULT_POLICY,
    )
    text = json.dumps(summary_card(summary), ensure_ascii=False)
    assert "Analysis: returns settled, meeting pack next" in text
    assert "returns signed off" not in text
    assert "1 in, 1 nil" in text, "the counts say what settled them"


def test_did_you_mean_has_a_button_per_candidate() -> None:
    card = did_you_mean_card(
        "child k",
        [
            ("LOS-2026-003 · Child K", verbs.SUMMARY, {"review_id": 3}),
            ("LOS-2026-001 · Child K", verbs.SUMMARY, {"review_id": 1}),
        ],
        verbs.REVIEWS,
        Fit.SEVERAL,
    )
    assert card_problems(card) == []
    buttons = next(e for e in card["body"] if e["type"] == "ActionSet")["actions"]
    assert [b["data"]["review_id"] for b in buttons] == [3, 1]


def _header_lines(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in card["body"][1:3]]


def test_the_did_you_mean_card_words_an_ambiguity_and_a_near_miss_apart() -> None:
    choices = [("LOS-2026-003 · Child K", verbs.SUMMARY, {"review_id": 3})]
    several = did_you_mean_card("child k", choices, verbs.REVIEWS, Fit.SEVERAL)
    near = did_you_mean_card("child z", choices, verbs.REVIEWS, Fit.NEAR)
    unnamed = did_you_mean_card("", choices, verbs.REVIEWS, Fit.UNNAMED)
    assert _header_lines(several) == [
        "Which one?",
        "More than one review fits “child k”: which one?",
    ]
    assert _header_lines(near) == [
        "Did you mean …?",
        "No review you can see is called that. Did you mean one of these?",
    ]
    assert _header_lines(unnamed) == ["Which review?", "Choose the review you mean."]
    assert "More than one" not in json.dumps(near, ensure_ascii=False)
    agency = did_you_mean_card("polce", choices, verbs.DASHBOARD, Fit.NEAR, noun="agency")
    assert _header_lines(agency)[1] == "No agency is called “polce”. Did you mean one of these?"
    # The way on when none is meant fits the choice: all reviews, or all agencies.
    assert [(a["title"], a["data"]["verb"]) for a in near["actions"]] == [
        ("List reviews", verbs.REVIEWS)
    ]
    assert [(a["title"], a["data"]["verb"]) for a in agency["actions"]] == [
        ("All agencies", verbs.DASHBOARD)
    ]
    for card in (several, near, unnamed, agency):
        assert card_problems(card) == []
    # What was typed stays inert on the card.
    marked = did_you_mean_card("**child** k", choices, verbs.REVIEWS, Fit.SEVERAL)
    assert "**" not in _header_lines(marked)[1]


def test_the_overdue_card_fits_with_many_long_items() -> None:
    items = tuple(
        LateItem(
            OverdueRow(
                i,
                f"LOS-2026-{i:03d}/A12",
                i,
                "LOS-2026-001",
                "D" * 3000,
                "O" * 200,
                "A" * 200,
                date(2025, 1, 1),
                ActionStatus.OPEN,
                9,
            ),
            300,
            Rag.RED,
            "chased 9 times",
        )
        for i in range(15)
    )
    listing = OverdueList(Scope(ScopeKind.PARTNERSHIP, 1, 1), None, items, 2000, 2, 134)
    card = overdue_card(listing)
    assert card_problems(card) == []
    assert {a["title"] for a in card["actions"]} >= {"Previous", "Next"}


@pytest.mark.parametrize(
    ("count", "said"),
    [(0, "not chased yet"), (1, "chased once"), (2, "chased 2 times"), (7, "chased 7 times")],
)
def test_chase_counts_read_as_a_person_would_say_them(count: int, said: str) -> None:
    assert chased_text(count) == said


def _unchased(**fields: object) -> OverdueRow:
    row = OverdueRow(
        1, "LOS-2026-001/A1", 1, "LOS-2026-001", "Share the plan", "Pat", "Demo Police",
        date(2026, 11, 30), ActionStatus.OPEN, 0, 0,
    )  # fmt: skip
    return replace(row, **fields)  # type: ignore[arg-type]


SAT_5_DEC = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        # 09:00 in London on the next working morning, the day written as the chasers write it
        ({"next_chase_at": datetime(2026, 12, 7, 9, tzinfo=UTC)}, "first reminder due Mon 7 Dec"),
        (
            {"next_chase_at": datetime(2027, 1, 4, 9, tzinfo=UTC)},
            "first reminder due Mon 4 Jan 2027",
        ),
        # Planned for earlier today (or a sweep running behind): it is today's.
        ({"next_chase_at": datetime(2026, 12, 5, 6, tzinfo=UTC)}, "first reminder due today"),
        ({}, "not chased yet"),
        ({"last_chase_outcome": "retrying"}, "not chased yet"),
        # An undelivered chaser is counted (chase_engine.SETTLES): "chased", never "not yet".
        (
            {"chase_count": 1, "owner_chase_count": 1, "last_chase_outcome": "unreachable"},
            "chased once",
        ),
        # Blocked or escalated, its chaser goes to the chair: no "first reminder" for the owner.
        (
            {"status": ActionStatus.BLOCKED, "next_chase_at": datetime(2026, 12, 7, 9, tzinfo=UTC)},
            "Blocked · owner not chased · chair's reminder due Mon 7 Dec",
        ),
        ({"status": ActionStatus.BLOCKED}, "Blocked · owner not chased"),
        (
            {
                "status": ActionStatus.ESCALATED,
                "chase_count": 2,
                "owner_chase_count": 2,
                "next_chase_at": datetime(2026, 12, 5, 6, tzinfo=UTC),
            },
            "Escalated to the chair · chased 2 times · chair's reminder due today",
        ),
        (
            {
                "chase_count": 3,
                "owner_chase_count": 3,
                "next_chase_at": datetime(2026, 12, 7, 9, tzinfo=UTC),
            },
            "chased 3 times",
        ),
    ],
)
def test_an_overdue_item_says_when_its_first_chaser_is_due(
    fields: dict[str, object], said: str
) -> None:
    """ "4 working days late · not chased yet" read as a bug: its first chaser was simply next
    working morning's. With one planned, the line says when; "not chased yet" is kept for an
    item with nothing planned. A blocked or escalated item's chaser goes to the chair, and
    the line says so beside its status ("first reminder due" beside "Blocked" was untrue)."""
    assert late_chase_text(_unchased(**fields), SAT_5_DEC, DEFAULT_POLICY) == said


def test_the_overdue_card_says_when_the_first_chaser_is_due() -> None:
    row = _unchased(next_chase_at=datetime(2026, 12, 7, 9, tzinfo=UTC))
    item = LateItem(row, 4, Rag.RED, late_chase_text(row, SAT_5_DEC, DEFAULT_POLICY))
    listing = OverdueList(Scope(ScopeKind.PARTNERSHIP, 1, 1), None, (item,), 1, 1, 1)
    text = json.dumps(overdue_card(listing), ensure_ascii=False)
    assert "4 working days late · first reminder due Mon 7 Dec" in text
    assert "not chased yet" not in text
    blocked = replace(row, status=ActionStatus.BLOCKED)
    item = LateItem(blocked, 4, Rag.RED, late_chase_text(blocked, SAT_5_DEC, DEFAULT_POLICY))
    listing = OverdueList(Scope(ScopeKind.PARTNERSHIP, 1, 1), None, (item,), 1, 1, 1)
    text = json.dumps(overdue_card(listing), ensure_ascii=False)
    said = "4 working days late · Blocked · owner not chased · chair's reminder due Mon 7 Dec"
    assert said in text
    assert "first reminder" not in text
    assert text.count("Blocked") == 1, "the status once"


def test_the_dashboard_shows_each_theme_count_apart() -> None:
    """L11 of the new-user walk: "both together by quarter: Q1 5" summed reviews and action
    items, a figure that means neither. Each figure on the card now counts one thing."""
    themes = theme_trends(
        [ThemeTally("neglect", 2026, 2, 1), ThemeTally("neglect", 2026, 5, 2)],
        [ThemeTally("neglect", 2026, 3, 4)],
        year_period(2026),
        TODAY,
    )
    board = Dashboard(
        scope=Scope(ScopeKind.PARTNERSHIP, 1, 1),
        agency=None,
        period=None,
        theme_period=year_period(2026),
        agencies=(),
        stages=(),
        by_agency=(),
        overdue=(),
        overdue_total=0,
        themes=themes,
        dissemination=Dissemination(),
    )
    card = dashboard_card(board, TODAY)
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    assert "in 3 reviews, 4 action items · reviews by quarter: Q1 1, Q2 2" in text
    assert "together" not in text
