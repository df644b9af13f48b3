"""Retention rules (domain/retention.py): periods, dates, holds, what is due, and a run against
a fake repository (dry runs and claimed partnerships change nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import retention
from domain.errors import FormInvalid
from domain.model import Actor, MemberView, ReviewStage, Role
from domain.repositories import AuditEntry
from domain.retention import (
    HELD_PER_PAGE,
    Deleted,
    ExportCandidate,
    HoldPlaced,
    HoldView,
    RetentionPolicy,
    ReviewCandidate,
    held_page,
    months_before,
    review_due,
    select_due,
)

NOW = datetime(2032, 6, 15, 3, 0, tzinfo=UTC)
ACTOR = Actor(tenant_id="t", aad_object_id="aad-1", teams_user_id="u-1", display_name="Admin")
ADMIN = MemberView(1, 1, "aad-1", "Admin (demo)", None, frozenset({Role.ADMIN}))
POLICY = RetentionPolicy(closed_review_months=72, export_file_days=30, chaser_log_months=24)


def review(
    number: int = 1,
    stage: ReviewStage = ReviewStage.CLOSED,
    ended_on: date | None = date(2031, 1, 1),
    held: bool = False,
) -> ReviewCandidate:
    return ReviewCandidate(number, f"LOS-2026-{number:03d}", stage, ended_on, held)


def export(number: int, filename: str, age: timedelta) -> ExportCandidate:
    return ExportCandidate(number, filename, f"/data/exports/1/{filename}", NOW - age)


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 13, date(2024, 12, 15)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
        (date(2032, 6, 15), 72, date(2026, 6, 15)),
    ],
)
def test_months_before_counts_calendar_months(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


@given(st.dates(min_value=date(1900, 1, 1)), st.integers(min_value=0, max_value=600))
def test_months_before_is_never_later_than_the_day(day: date, months: int) -> None:
    earlier = months_before(day, months)
    assert earlier <= day
    assert (day.year - earlier.year) * 12 + day.month - earlier.month == months


# --- the periods -------------------------------------------------------------------------------


def test_defaults_are_documented_values() -> None:
    assert RetentionPolicy.from_settings({}).to_settings() == {
        "closed_review_months": 72,
        "export_file_days": 30,
        "chaser_log_months": 24,
    }
    assert {p.key: p.default for p in retention.PERIODS} == RetentionPolicy().to_settings()


@pytest.mark.parametrize("bad", ["12", True, 0, -5, 10_000, None, [1], 1.5])
def test_an_unusable_stored_period_keeps_records_longest_never_shortest(bad: object) -> None:
    policy = RetentionPolicy.from_settings({"closed_review_months": bad})
    assert policy.closed_review_months == 600
    assert policy.export_file_days == 30, "the other periods are unaffected"


def test_admin_form_is_checked_field_by_field() -> None:
    assert retention.parse_policy(
        {"closed_review_months": " 84 ", "export_file_days": "7", "chaser_log_months": 12}
    ) == RetentionPolicy(84, 7, 12)
    with pytest.raises(FormInvalid) as refused:
        retention.parse_policy(
            {"closed_review_months": "0", "export_file_days": "1e3", "chaser_log_months": True}
        )
    assert set(refused.value.errors) == {
        "closed_review_months",
        "export_file_days",
        "chaser_log_months",
    }
    assert "from 1 to 600" in refused.value.errors["closed_review_months"]
    with pytest.raises(FormInvalid):
        retention.parse_policy({"closed_review_months": "99999999999999999999"})


# --- what is due -------------------------------------------------------------------------------


def test_a_closed_review_is_due_exactly_its_period_after_it_ended() -> None:
    ended = date(2026, 6, 15)
    assert review_due(POLICY, review(ended_on=ended), date(2032, 6, 15))
    assert not review_due(POLICY, review(ended_on=ended), date(2032, 6, 14))
    cancelled = review(stage=ReviewStage.CANCELLED, ended_on=ended)
    assert review_due(POLICY, cancelled, date(2032, 6, 15))


@pytest.mark.parametrize("stage", sorted(set(ReviewStage) - retention.ENDED))
def test_a_review_still_running_is_never_due(stage: ReviewStage) -> None:
    assert not review_due(POLICY, review(stage=stage, ended_on=date(2000, 1, 1)), NOW.date())


def test_a_review_without_an_end_date_is_never_due() -> None:
    assert not review_due(POLICY, review(ended_on=None), date(2099, 1, 1))


@given(
    ended=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    months=st.integers(min_value=1, max_value=600),
    later=st.integers(min_value=0, max_value=4000),
    held=st.booleans(),
)
def test_due_never_comes_early_stays_due_and_holds_always_win(
    ended: date, months: int, later: int, held: bool
) -> None:
    policy = RetentionPolicy(closed_review_months=months)
    candidate = review(ended_on=ended, held=held)
    today = ended + timedelta(days=later)
    due = review_due(policy, candidate, today)
    if due:
        assert months_before(today, months) >= ended
        assert review_due(policy, candidate, today + timedelta(days=1))
    now = datetime.combine(today, datetime.min.time(), UTC)
    chosen = select_due(policy, [candidate], [], ["LOS-2026-001"] if held else [], now)
    assert (candidate in chosen.due_reviews) == (due and not held)
    assert (candidate in chosen.held_reviews) == (due and held)


def test_exports_go_after_their_days_except_those_of_a_held_review() -> None:
    files = [
        export(1, "LOS-2026-004-meeting-pack.docx", timedelta(days=30)),
        export(2, "los-2026-004-summary.docx", timedelta(days=90)),
        export(3, "LOS-2026-0041-summary.docx", timedelta(days=90)),
        export(4, "partnership-action-tracker-2032-05-01.xlsx", timedelta(days=31)),
        export(5, "LOS-2026-005-audit-trail.csv", timedelta(days=29, hours=23)),
    ]
    chosen = select_due(POLICY, [], files, ["LOS-2026-004"], NOW)
    assert [e.id for e in chosen.exports] == [3, 4]
    assert [e.id for e in chosen.kept_exports] == [1, 2]


def test_chaser_log_cutoff_is_calendar_months_back() -> None:
    assert retention.chaser_log_cutoff(POLICY, NOW) == datetime(2030, 6, 15, 3, 0, tzinfo=UTC)


# --- a run, against a fake repository ----------------------------------------------------------


@dataclass
class FakeRetention:
    reviews: list[ReviewCandidate] = field(default_factory=list)
    exports: list[ExportCandidate] = field(default_factory=list)
    log_ids: list[int] = field(default_factory=list)
    claimable: bool = True
    old_claims: int = 0
    old_replies: int = 0
    calls: list[str] = field(default_factory=list)
    logged: list[tuple[Deleted, str]] = field(default_factory=list)

    def policy_settings(self, partnership_id: int) -> Mapping[str, object]:
        return {}

    def claim(self, partnership_id: int) -> bool:
        return self.claimable

    def ended_reviews(self, partnership_id: int) -> list[ReviewCandidate]:
        return self.reviews

    def held_reviews(self, partnership_id: int) -> list[HoldView]:
        return [
            HoldView(r.id, r.reference, "Child", r.stage, True, r.ended_on)
            for r in self.reviews
            if r.legal_hold
        ]

    def exports_before(self, partnership_id: int, cutoff: datetime) -> list[ExportCandidate]:
        return [e for e in self.exports if e.created_at <= cutoff]

    def chaser_log_before(
        self, partnership_id: int, cutoff: datetime, keep_review_ids: Sequence[int]
    ) -> list[int]:
        return self.log_ids

    def rows_under_review(self, review_id: int) -> list[Deleted]:
        return [Deleted("answer", f"{review_id}0"), Deleted("review", str(review_id))]

    def delete_review(self, review_id: int) -> list[Deleted]:
        self.calls.append(f"delete_review {review_id}")
        return self.rows_under_review(review_id)

    def delete_exports(self, export_ids: Sequence[int]) -> None:
        self.calls.append(f"delete_exports {list(export_ids)}")

    def delete_chaser_log(self, log_ids: Sequence[int]) -> None:
        self.calls.append(f"delete_chaser_log {list(log_ids)}")

    def claims_before(self, partnership_id: int, cutoff: datetime) -> int:
        return self.old_claims

    def delete_claims(self, partnership_id: int, cutoff: datetime) -> int:
        self.calls.append(f"delete_claims {cutoff:%Y-%m-%d}")
        return self.old_claims

    def replies_before(self, partnership_id: int, cutoff: datetime) -> int:
        return self.old_replies

    def drop_replies(self, partnership_id: int, cutoff: datetime) -> int:
        self.calls.append(f"drop_replies {cutoff:%Y-%m-%d}")
        return self.old_replies

    def log_deletions(
        self, partnership_id: int, deleted: Sequence[Deleted], rule: str, at: datetime
    ) -> None:
        self.logged += [(row, rule) for row in deleted]

    def review(self, partnership_id: int, review_id: int) -> HoldView | None:
        return next(
            (
                HoldView(r.id, r.reference, "Child", r.stage, r.legal_hold, r.ended_on)
                for r in self.reviews
                if r.id == review_id
            ),
            None,
        )

    def hold_placed(self, partnership_id: int, review_id: int) -> HoldPlaced | None:
        return None

    def set_legal_hold(self, review_id: int, held: bool) -> bool:
        self.calls.append(f"set_legal_hold {review_id} {held}")
        self.reviews = [
            replace(r, legal_hold=held) if r.id == review_id else r for r in self.reviews
        ]
        return True


@dataclass
class FakeAudit:
    entries: list[AuditEntry] = field(default_factory=list)

    def append(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


@dataclass
class FakeUow:
    retention: FakeRetention
    audit: FakeAudit = field(default_factory=FakeAudit)


def world() -> FakeUow:
    old = date(2020, 1, 1)
    return FakeUow(
        FakeRetention(
            reviews=[review(1, ended_on=old), review(2, ended_on=old, held=True), review(3)],
            exports=[
                export(7, "LOS-2026-002-pack.docx", timedelta(days=60)),
                export(8, "LOS-2026-001-pack.docx", timedelta(days=60)),
                export(9, "LOS-2026-003-pack.docx", timedelta(days=1)),
            ],
            log_ids=[40, 41],
        )
    )


def run(uow: FakeUow, *, dry_run: bool) -> retention.RetentionReport:
    return retention.run(uow, 1, NOW, dry_run=dry_run)


def test_a_run_deletes_what_is_due_logs_each_row_without_content_and_audits() -> None:
    uow = world()
    report = run(uow, dry_run=False)
    assert uow.retention.calls == [
        "delete_review 1",
        "delete_exports [8]",
        "delete_chaser_log [40, 41]",
    ]
    assert report.reviews == ["LOS-2026-001"]
    assert report.held == ["LOS-2026-002"]
    assert report.files == ["/data/exports/1/LOS-2026-001-pack.docx"]
    assert report.deleted == {"answer": 1, "review": 1, "export_file": 1, "chaser_log": 2}
    assert [(d.record_type, d.record_id) for d, _ in uow.retention.logged] == [
        ("answer", "10"),
        ("review", "1"),
        ("export_file", "8"),
        ("chaser_log", "40"),
        ("chaser_log", "41"),
    ]
    rules = {rule for _, rule in uow.retention.logged}
    assert "closed_review_months=72: review LOS-2026-001 closed on 2020-01-01" in rules
    [event] = uow.audit.entries
    assert event.action == "retention.run"
    assert event.actor_aad_id is None


def test_a_dry_run_reports_the_same_and_changes_nothing() -> None:
    uow = world()
    report = run(uow, dry_run=True)
    assert uow.retention.calls == []
    assert uow.retention.logged == []
    assert uow.audit.entries == []
    assert report.deleted == {"answer": 1, "review": 1, "export_file": 1, "chaser_log": 2}
    assert "would delete" in report.lines()[0]
    assert "kept by its legal hold" in "\n".join(report.lines())


def test_a_partnership_another_instance_is_running_is_skipped() -> None:
    uow = world()
    uow.retention.claimable = False
    report = run(uow, dry_run=False)
    assert report.skipped
    assert uow.retention.calls == []
    assert uow.audit.entries == []


def test_nothing_due_writes_no_audit_event() -> None:
    uow = FakeUow(FakeRetention(reviews=[review(3)]))
    report = run(uow, dry_run=False)
    assert report.deleted == {}
    assert uow.audit.entries == []
    assert report.lines() == ["partnership 1: deleted nothing"]


def test_hold_reason_may_not_carry_identifiers_and_is_bounded() -> None:
    with pytest.raises(FormInvalid) as refused:
        retention.hold_reason("Inquest for the child born 14/03/2019", True)
    assert "date of birth" in refused.value.errors["reason"]
    with pytest.raises(FormInvalid):
        retention.hold_reason("x" * (retention.HOLD_REASON_MAX + 1), True)
    assert retention.hold_reason("  Coroner's inquest  ", True) == "Coroner's inquest"
    assert retention.hold_reason("Claim settled", False) == "Claim settled"


@pytest.mark.parametrize("held", [True, False])
@pytest.mark.parametrize("empty", [None, "", "   ", "\n\t "])
def test_a_hold_is_never_placed_or_lifted_without_a_reason(held: bool, empty: str | None) -> None:
    """A legal hold is an information-governance act: placing it and lifting it each say why.
    The refusal names the question the card asks, and nothing is written."""
    with pytest.raises(FormInvalid) as refused:
        retention.hold_reason(empty, held)
    assert refused.value.errors == {"reason": f"'{retention.HOLD_WHY[held]}' is required."}
    uow = world()
    uow.retention.reviews[1] = review(2, ended_on=date(2020, 1, 1), held=not held)
    data = {"review_id": 2, "hold": "on" if held else "off", "reason": empty}
    with pytest.raises(FormInvalid):
        retention.set_legal_hold(uow, ACTOR, ADMIN, data)
    assert uow.retention.calls == []
    assert uow.audit.entries == []
    data["reason"] = "Coroner's inquest" if held else "Claim settled"
    assert retention.set_legal_hold(uow, ACTOR, ADMIN, data).legal_hold is held
    assert uow.retention.calls == [f"set_legal_hold 2 {held}"]
    [entry] = uow.audit.entries
    assert entry.after == {"legal_hold": held, "reason": data["reason"]}


def test_click_records_go_after_a_fixed_month_with_one_log_row() -> None:
    uow = FakeUow(FakeRetention(old_claims=41))
    now = datetime(2026, 12, 4, 2, 30, tzinfo=UTC)
    dry = retention.run(uow, 1, now, dry_run=True)
    assert dry.deleted == {"idempotency_record": 41}
    assert uow.retention.calls == []
    report = retention.run(uow, 1, now, dry_run=False)
    assert report.deleted == {"idempotency_record": 41}
    assert uow.retention.calls == ["delete_claims 2026-11-04"]
    assert uow.retention.logged == [
        (Deleted("idempotency_record", "41 before 2026-11-04"), retention.CLAIM_RULE)
    ]


def test_click_replies_go_after_a_day_and_their_keys_stay() -> None:
    """A reply quotes what was typed, and is only needed while duplicates come."""
    uow = FakeUow(FakeRetention(old_replies=7))
    now = datetime(2026, 12, 4, 2, 30, tzinfo=UTC)
    dry = retention.run(uow, 1, now, dry_run=True)
    assert dry.deleted == {"idempotency_reply": 7}
    assert uow.retention.calls == []
    report = retention.run(uow, 1, now, dry_run=False)
    assert report.deleted == {"idempotency_reply": 7}
    assert uow.retention.calls == ["drop_replies 2026-12-03"]
    assert uow.retention.logged == [
        (Deleted("idempotency_reply", "7 before 2026-12-03"), retention.REPLY_RULE)
    ]


def test_the_held_list_is_paged_by_twenty_from_any_number_a_card_sends() -> None:
    """The retention card's held list, twenty at a time; an old card's or a forged start is
    brought to a page inside the list (after lifts, the last page), never past or before it."""
    held = [
        HoldView(n, f"LOS-2026-{n:03d}", "Child K", ReviewStage.CLOSED, True, None)
        for n in range(45)
    ]
    page = held_page(held, 20)
    assert (page.start, len(page.shown), page.total, page.after) == (20, 20, 45, 5)
    assert page.counted() == "Showing 21 to 40 of 45 reviews under legal hold."
    assert held_page(held, 25).start == 20
    assert held_page(held, 999).start == 40
    for forged in (-5, "20", None, True, 2.5):
        assert held_page(held, forged).start == 0
    assert held_page([], 40).shown == ()
    assert held_page(held[:HELD_PER_PAGE], 0).counted() == ""
