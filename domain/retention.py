"""Retention (docs/practice.md, information governance): per record type periods kept in the
partnership's settings, a legal hold on a review, and which records are due for deletion.

No statutory period applies to learning reviews, so each partnership sets its own schedule;
the defaults below are a starting point the admin confirms. What is deleted:

- a review that ended (closed or cancelled) more than `closed_review_months` ago, with
  everything under it: its returns, assignees, answers, chronology entries, outcome, action
  items with their progress and impact records, the 7-minute guide and its dissemination
  returns, and the chaser log about its returns and action items;
- generated export files (the copy kept for delivery) older than `export_file_days`;
- chaser log rows older than `chaser_log_months`.

A review under legal hold keeps all of that (its exports too). Audit events are never deleted:
they are the append-only record of who did what, and carry no free text. Each deletion writes a
deletion_log row with the record's type, id and the rule, never its content.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from domain import audit
from domain.calendar import DEFAULT_CALENDAR
from domain.capabilities import require
from domain.errors import FormInvalid, InvalidInput, NotFound
from domain.idempotency import revision_of
from domain.model import Actor, MemberView, ReviewStage, Role
from domain.repositories import UnitOfWork
from domain.review_flow import named_review
from domain.reviews import required_reason
from domain.wording import short_date

SETTINGS_KEY = "retention"
# Scheduled and CLI runs have no person behind them: audit events show no actor.
RETENTION_ACTOR = Actor(tenant_id="", aad_object_id=None, teams_user_id="", display_name="")
ENDED = frozenset({ReviewStage.CLOSED, ReviewStage.CANCELLED})
HOLD_REASON_MAX = 200
# The reason's question, by the hold wanted: the card's label and its "is required" message.
HOLD_WHY: Mapping[bool, str] = {True: "Why is the review held?", False: "Why is the hold lifted?"}
HELD_SHOWN_MAX = 20


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    unit: str
    default: int
    least: int
    most: int


PERIODS: tuple[Period, ...] = (
    Period(
        "closed_review_months",
        "Closed or cancelled reviews, with everything under them",
        "months",
        72,
        1,
        600,
    ),
    Period("export_file_days", "Generated export files", "days", 30, 1, 3650),
    Period("chaser_log_months", "Chaser delivery log", "months", 24, 1, 600),
)


@dataclass(frozen=True)
class RetentionPolicy:
    closed_review_months: int = 72
    export_file_days: int = 30
    chaser_log_months: int = 24

    @classmethod
    def from_settings(cls, stored: Mapping[str, object]) -> RetentionPolicy:
        """The stored periods. A missing one takes its default; an unusable one (edited by
        hand, out of range) takes the longest allowed, so a bad setting never deletes early."""
        values: dict[str, int] = {}
        for period in PERIODS:
            if period.key not in stored:
                continue
            raw = stored[period.key]
            if isinstance(raw, int) and not isinstance(raw, bool) and period.least <= raw:
                values[period.key] = min(raw, period.most)
            else:
                values[period.key] = period.most
        return cls(**values)

    def to_settings(self) -> dict[str, int]:
        return {period.key: self.value(period) for period in PERIODS}

    def value(self, period: Period) -> int:
        number: int = getattr(self, period.key)
        return number


def parse_policy(data: Mapping[str, object]) -> RetentionPolicy:
    """The periods from the admin's card; every field checked, each problem named inline."""
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for period in PERIODS:
        raw = data.get(period.key)
        text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 5 else None
        if number is None or not period.least <= number <= period.most:
            errors[period.key] = (
                f"Enter a whole number of {period.unit} from {period.least} to {period.most}."
            )
        else:
            values[period.key] = number
    if errors:
        raise FormInvalid(errors)
    return RetentionPolicy(**values)


# --- the rules ---------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class ReviewCandidate:
    id: int
    reference: str
    stage: ReviewStage
    ended_on: date | None
    legal_hold: bool


@dataclass(frozen=True)
class ExportCandidate:
    id: int
    filename: str
    path: str
    created_at: datetime


def review_due(policy: RetentionPolicy, review: ReviewCandidate, today: date) -> bool:
    """Ended at least the retention period ago (holds are decided separately)."""
    if review.stage not in ENDED or review.ended_on is None:
        return False
    return review.ended_on <= months_before(today, policy.closed_review_months)


def deleted_from(policy: RetentionPolicy, ended_on: date) -> date:
    """The first day `review_due` holds for a review that ended on `ended_on`: the retention
    period after its end, a day or so later where the later month is shorter (ended 31 March,
    kept a month: due on 1 May, since `months_before(30 April)` is 30 March)."""
    months = policy.closed_review_months
    index = ended_on.year * 12 + ended_on.month - 1 + months
    year, month = divmod(index, 12)
    day = date(year, month + 1, min(ended_on.day, calendar.monthrange(year, month + 1)[1]))
    while months_before(day, months) < ended_on:
        day += timedelta(days=1)
    return day


def _months(count: int) -> str:
    return f"{count} month" if count == 1 else f"{count} months"


def deletion_line(
    policy: RetentionPolicy, stage: ReviewStage, ended_on: date | None, held: bool, today: date
) -> str:
    """The hold card's line on when retention would delete the review (`review_due`, the
    retention period from the review's end): held, what the hold is keeping it from; not
    held, what a hold would stop. A review past the day is deleted by the next run."""
    period = _months(policy.closed_review_months)
    if stage not in ENDED or ended_on is None:
        if held:
            return (
                f"Without the hold, this review would be deleted {period} after it ends "
                "(it hasn't ended)."
            )
        return f"Retention deletes this review {period} after it ends (it hasn't ended)."
    due = deleted_from(policy, ended_on)
    when = f"{short_date(due)}, {period} after it ended"
    past = due <= today
    if held and past:
        return (
            f"Without the hold, this review is past its deletion date ({when}): lifting the "
            "hold lets the next retention run delete it."
        )
    if held:
        return (
            f"Without the hold, this review would be deleted on {short_date(due)} ({period} "
            "after it ended)."
        )
    if past:
        return (
            f"This review is past its deletion date ({when}): the next retention run deletes "
            "it unless it is held."
        )
    return (
        f"Retention deletes this review on {short_date(due)} ({period} after it ended) unless "
        "it is held."
    )


def review_rule(policy: RetentionPolicy, review: ReviewCandidate) -> str:
    return (
        f"closed_review_months={policy.closed_review_months}: review {review.reference} "
        f"{review.stage.value} on {review.ended_on}"
    )


def export_cutoff(policy: RetentionPolicy, now: datetime) -> datetime:
    return now - timedelta(days=policy.export_file_days)


def export_rule(policy: RetentionPolicy) -> str:
    return f"export_file_days={policy.export_file_days}"


def chaser_log_cutoff(policy: RetentionPolicy, now: datetime) -> datetime:
    day = months_before(now.date(), policy.chaser_log_months)
    return datetime.combine(day, now.timetz())


# Click records (one effect per click, domain/idempotency.py) only have to outlive a
# duplicate: a fixed period, not one an admin sets. A record's key (a hash, the verb, who
# clicked) is kept for a month, so a card replayed weeks later still changes nothing; the
# reply a duplicate is answered with (a card that quotes what was typed) is needed only while
# duplicates come, within seconds or a Teams retry, so it goes at the next daily run after a
# day, and a later duplicate is told "That was done already".
CLAIM_DAYS = 30
CLAIM_RULE = f"idempotency_record_days={CLAIM_DAYS}"
REPLY_DAYS = 1
REPLY_RULE = f"idempotency_reply_days={REPLY_DAYS}"


def claim_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=CLAIM_DAYS)


def reply_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=REPLY_DAYS)


def chaser_log_rule(policy: RetentionPolicy) -> str:
    return f"chaser_log_months={policy.chaser_log_months}"


def export_held(filename: str, held_references: Sequence[str]) -> bool:
    """Exports of a held review (named after its reference) are kept with it."""
    upper = filename.upper()
    return any(upper.startswith(reference.upper() + "-") for reference in held_references)


@dataclass(frozen=True)
class Selection:
    due_reviews: tuple[ReviewCandidate, ...]
    held_reviews: tuple[ReviewCandidate, ...]
    exports: tuple[ExportCandidate, ...]
    kept_exports: tuple[ExportCandidate, ...]


def select_due(
    policy: RetentionPolicy,
    reviews: Sequence[ReviewCandidate],
    exports: Sequence[ExportCandidate],
    held_references: Sequence[str],
    now: datetime,
) -> Selection:
    """What is due now. `exports` may include files that are not old enough: they are
    filtered here, so the rule lives in one place."""
    due = [r for r in reviews if review_due(policy, r, now.date())]
    cutoff = export_cutoff(policy, now)
    old = [e for e in exports if e.created_at <= cutoff]
    return Selection(
        due_reviews=tuple(r for r in due if not r.legal_hold),
        held_reviews=tuple(r for r in due if r.legal_hold),
        exports=tuple(e for e in old if not export_held(e.filename, held_references)),
        kept_exports=tuple(e for e in old if export_held(e.filename, held_references)),
    )


# --- running it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deleted:
    """One deleted row, as the deletion log records it: never its content."""

    record_type: str
    record_id: str


@dataclass(frozen=True)
class HoldPlaced:
    """Who placed a review's hold, when and why: the audit event that placed it (the newest
    `review.legal_hold_placed`), read where the hold is shown."""

    by: str | None  # their name in the partnership; None when no member is found
    at: datetime
    reason: str


@dataclass(frozen=True)
class HoldView:
    id: int
    reference: str
    pseudonym: str
    stage: ReviewStage
    legal_hold: bool
    ended_on: date | None
    placed: HoldPlaced | None = None  # while held, when its placing is on the audit trail
    # While not held, the last hold's lifting (who, when, why), when one is on the audit trail.
    lifted: HoldPlaced | None = None
    # When retention would delete it, as the hold card says it (`deletion_line`); "" unasked.
    deletion: str = ""


# What a person reading "since Mon 7 Dec 2026" means: the partnership's working day.
_LOCAL: Final = ZoneInfo(DEFAULT_CALENDAR.tz_name)


def held_on(placed: HoldPlaced) -> date:
    """The day the hold was placed, in the partnership's time zone."""
    at = placed.at if placed.at.tzinfo else placed.at.replace(tzinfo=UTC)
    return at.astimezone(_LOCAL).date()


def held_since(placed: HoldPlaced | None) -> str:
    """The hold card's and the retention list's line: "Held since Mon 7 Dec 2026 by Review
    Chair: Coroner's inquest"; a hold whose placing isn't on the trail says so."""
    if placed is None:
        return "Held. Who placed it, when and why is not on the audit trail."
    by = f" by {placed.by}" if placed.by else ""
    return f"Held since {short_date(held_on(placed))}{by}: {placed.reason}"


def lifted_line(lifted: HoldPlaced) -> str:
    """The hold card's line for a review whose hold was lifted: "A legal hold was lifted on
    Tue 8 Dec 2026 by Alex Wilber: Inquest concluded" (the reason was only on the trail)."""
    by = f" by {lifted.by}" if lifted.by else ""
    return f"A legal hold was lifted on {short_date(held_on(lifted))}{by}: {lifted.reason}"


def lifted_summary_line(lifted: HoldPlaced, *, whole: bool) -> str:
    """The review summary's line for a lifted hold: "Lifted on Tue 8 Dec 2026 by Alex Wilber
    (Inquest concluded)"; who and why only for a reader who sees the whole review."""
    when = f"Lifted on {short_date(held_on(lifted))}"
    if not whole:
        return when
    by = f" by {lifted.by}" if lifted.by else ""
    return f"{when}{by} ({lifted.reason})"


def on_hold_line(placed: HoldPlaced | None, *, with_reason: bool = True) -> str:
    """The review summary's line: "On legal hold since Mon 7 Dec 2026 (Coroner's inquest)".
    The reason only `with_reason` (a reader who sees the whole review)."""
    if placed is None:
        return "On legal hold (when and why is not on the audit trail)"
    since = f"On legal hold since {short_date(held_on(placed))}"
    return f"{since} ({placed.reason})" if with_reason else since


def review_ended(ended_on: date | None) -> str:
    """The review's own end, as the hold card says it (retention counts from it): never
    "still open" alone, which read as if about the hold."""
    return f"ended {short_date(ended_on)}" if ended_on is not None else "still open (not ended)"


class RetentionRepository(Protocol):
    def policy_settings(self, partnership_id: int) -> Mapping[str, object]: ...

    def save_policy_settings(self, partnership_id: int, settings: Mapping[str, int]) -> None: ...

    def partnership_ids(self, tenant_id: str | None) -> list[int]: ...

    def claim(self, partnership_id: int) -> bool:
        """Lock the partnership for one run; False if another instance is running it."""
        ...

    def ended_reviews(self, partnership_id: int) -> list[ReviewCandidate]: ...

    def held_reviews(self, partnership_id: int) -> list[HoldView]: ...

    def exports_before(self, partnership_id: int, cutoff: datetime) -> list[ExportCandidate]: ...

    def chaser_log_before(
        self, partnership_id: int, cutoff: datetime, keep_review_ids: Sequence[int]
    ) -> list[int]:
        """Ids of log rows attempted before `cutoff`, except those about the kept reviews."""
        ...

    def rows_under_review(self, review_id: int) -> list[Deleted]:
        """The review and every row under it (what `delete_review` would delete)."""
        ...

    def delete_review(self, review_id: int) -> list[Deleted]:
        """The review and everything under it (never audit events), children first."""
        ...

    def delete_exports(self, export_ids: Sequence[int]) -> None: ...

    def delete_chaser_log(self, log_ids: Sequence[int]) -> None: ...

    def claims_before(self, partnership_id: int, cutoff: datetime) -> int:
        """How many click records were made before `cutoff`."""
        ...

    def delete_claims(self, partnership_id: int, cutoff: datetime) -> int:
        """Deletes them, but a claim another transaction holds (a click on it in flight),
        left for the next run; how many went."""
        ...

    def replies_before(self, partnership_id: int, cutoff: datetime) -> int:
        """How many click records made before `cutoff` still keep their reply."""
        ...

    def drop_replies(self, partnership_id: int, cutoff: datetime) -> int:
        """Those records keep their key and lose their reply (one a click holds is left for
        the next run, as `delete_claims`); how many did."""
        ...

    def log_deletions(
        self, partnership_id: int, deleted: Sequence[Deleted], rule: str, at: datetime
    ) -> None: ...

    def review(self, partnership_id: int, review_id: int) -> HoldView | None: ...

    def hold_lifted(self, partnership_id: int, review_id: int) -> HoldPlaced | None:
        """The newest lifting of a hold on the review: who, when and why."""
        ...

    def hold_placed(self, partnership_id: int, review_id: int) -> HoldPlaced | None:
        """Who placed the review's hold (the newest placing on its audit trail), when and
        why; None when none is recorded. Ask only of a review that is held: a lifted hold's
        placing is still on the trail."""
        ...

    def set_legal_hold(self, review_id: int, held: bool) -> bool:
        """False if the review was already so (a racing request set it first)."""
        ...


@dataclass
class RetentionReport:
    partnership_id: int
    dry_run: bool
    deleted: dict[str, int] = field(default_factory=dict)
    reviews: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: bool = False

    def add(self, rows: Sequence[Deleted]) -> None:
        for row in rows:
            self.deleted[row.record_type] = self.deleted.get(row.record_type, 0) + 1

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        if self.skipped:
            return [f"partnership {self.partnership_id}: another instance is running retention"]
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.deleted.items()))
        lines = [f"partnership {self.partnership_id}: {verb} {counts or 'nothing'}"]
        lines += [f"  review {ref}: {verb} with everything under it" for ref in self.reviews]
        lines += [f"  review {ref}: due, kept by its legal hold" for ref in self.held]
        return lines


def policy_of(repo: RetentionRepository, partnership_id: int) -> RetentionPolicy:
    return RetentionPolicy.from_settings(repo.policy_settings(partnership_id))


def run(uow: UnitOfWork, partnership_id: int, now: datetime, *, dry_run: bool) -> RetentionReport:
    """Delete (or, dry, list) what is due in one partnership, in the caller's transaction.
    Files named in `report.files` are for the caller to remove once this has committed."""
    repo = uow.retention
    report = RetentionReport(partnership_id, dry_run)
    if not dry_run and not repo.claim(partnership_id):
        report.skipped = True
        return report
    policy = policy_of(repo, partnership_id)
    held = repo.held_reviews(partnership_id)
    chosen = select_due(
        policy,
        repo.ended_reviews(partnership_id),
        repo.exports_before(partnership_id, export_cutoff(policy, now)),
        [h.reference for h in held],
        now,
    )
    report.held = [r.reference for r in chosen.held_reviews]
    _reviews(repo, report, policy, chosen.due_reviews, now)
    _exports(repo, report, policy, chosen.exports, now)
    # A dry run has not deleted the due reviews' log rows yet: don't count them twice.
    counted = [r.id for r in chosen.due_reviews] if dry_run else []
    _chaser_log(repo, report, policy, [h.id for h in held] + counted, now)
    _claims(repo, report, now)
    _claim_replies(repo, report, now)
    if not dry_run and report.deleted:
        audit.record(
            uow,
            partnership_id,
            RETENTION_ACTOR,
            "retention.run",
            ("partnership", partnership_id),
            after={"deleted": dict(report.deleted), "reviews": list(report.reviews)},
        )
    return report


def _reviews(
    repo: RetentionRepository,
    report: RetentionReport,
    policy: RetentionPolicy,
    due: Sequence[ReviewCandidate],
    now: datetime,
) -> None:
    for review in due:
        report.reviews.append(review.reference)
        if report.dry_run:
            report.add(repo.rows_under_review(review.id))
            continue
        deleted = repo.delete_review(review.id)
        repo.log_deletions(report.partnership_id, deleted, review_rule(policy, review), now)
        report.add(deleted)


def _chaser_log(
    repo: RetentionRepository,
    report: RetentionReport,
    policy: RetentionPolicy,
    keep_review_ids: Sequence[int],
    now: datetime,
) -> None:
    cutoff = chaser_log_cutoff(policy, now)
    ids = repo.chaser_log_before(report.partnership_id, cutoff, keep_review_ids)
    rows = [Deleted("chaser_log", str(i)) for i in ids]
    report.add(rows)
    if ids and not report.dry_run:
        repo.delete_chaser_log(ids)
        repo.log_deletions(report.partnership_id, rows, chaser_log_rule(policy), now)


def _claims(repo: RetentionRepository, report: RetentionReport, now: datetime) -> None:
    """Old click records go whatever is held: they are about deliveries, not a review. One
    deletion-log row says how many went (one a click would double the log for bookkeeping)."""
    cutoff = claim_cutoff(now)
    count = repo.claims_before(report.partnership_id, cutoff)
    if not count:
        return
    if not report.dry_run:
        count = repo.delete_claims(report.partnership_id, cutoff)
    report.deleted["idempotency_record"] = report.deleted.get("idempotency_record", 0) + count
    if count and not report.dry_run:
        summary = Deleted("idempotency_record", f"{count} before {cutoff:%Y-%m-%d}")
        repo.log_deletions(report.partnership_id, [summary], CLAIM_RULE, now)


def _claim_replies(repo: RetentionRepository, report: RetentionReport, now: datetime) -> None:
    """Replies kept for duplicates go after a day; one deletion-log row says how many."""
    cutoff = reply_cutoff(now)
    count = repo.replies_before(report.partnership_id, cutoff)
    if not count:
        return
    if not report.dry_run:
        count = repo.drop_replies(report.partnership_id, cutoff)
    report.deleted["idempotency_reply"] = report.deleted.get("idempotency_reply", 0) + count
    if count and not report.dry_run:
        summary = Deleted("idempotency_reply", f"{count} before {cutoff:%Y-%m-%d}")
        repo.log_deletions(report.partnership_id, [summary], REPLY_RULE, now)


def _exports(
    repo: RetentionRepository,
    report: RetentionReport,
    policy: RetentionPolicy,
    due: Sequence[ExportCandidate],
    now: datetime,
) -> None:
    rows = [Deleted("export_file", str(e.id)) for e in due]
    report.add(rows)
    report.files += [e.path for e in due]
    if due and not report.dry_run:
        repo.delete_exports([e.id for e in due])
        repo.log_deletions(report.partnership_id, rows, export_rule(policy), now)


# --- the admin's card: periods and legal holds --------------------------------------------------


@dataclass(frozen=True)
class RetentionScreen:
    policy: RetentionPolicy
    held: tuple[HoldView, ...]
    due: RetentionReport
    held_from: int = 0  # the first held review the card lists (its paging buttons say which)


def retention_screen(
    uow: UnitOfWork, member: MemberView, now: datetime, held_from: object = 0
) -> RetentionScreen:
    require(member, Role.ADMIN)
    repo = uow.retention
    held = tuple(repo.held_reviews(member.partnership_id))
    preview = run(uow, member.partnership_id, now, dry_run=True)
    start = held_page(held, held_from).start
    return RetentionScreen(policy_of(repo, member.partnership_id), held, preview, start)


# How many held reviews the retention card lists at once; the rest are a button away.
HELD_PER_PAGE: Final = 20


@dataclass(frozen=True)
class HeldPage:
    """The held reviews the retention card lists: `shown`, from the `start`th of `total`."""

    shown: tuple[HoldView, ...]
    start: int
    total: int

    @property
    def after(self) -> int:
        """How many held reviews come after these."""
        return self.total - self.start - len(self.shown)

    def counted(self) -> str:
        """ "Showing 21 to 40 of 57 reviews under legal hold.", or "" when all are shown."""
        if self.total <= HELD_PER_PAGE:
            return ""
        last = self.start + len(self.shown)
        return f"Showing {self.start + 1} to {last} of {self.total} reviews under legal hold."


def held_page(held: Sequence[HoldView], raw_start: object) -> HeldPage:
    """The page of `held` that starts at `raw_start` (card data: anything), brought to a page's
    first review inside the list, so an old card's button after holds were lifted still lists
    some (the last page) and a forged number lists nothing it shouldn't."""
    start = raw_start if isinstance(raw_start, int) and not isinstance(raw_start, bool) else 0
    last_page = max(len(held) - 1, 0) // HELD_PER_PAGE * HELD_PER_PAGE
    start = min(max(start, 0) // HELD_PER_PAGE * HELD_PER_PAGE, last_page)
    return HeldPage(tuple(held[start : start + HELD_PER_PAGE]), start, len(held))


def retention_revision(policy: RetentionPolicy) -> str:
    """What the retention card was drawn at: the periods a save rewrites."""
    return revision_of(policy.to_settings())


def hold_revision(review: HoldView) -> str:
    """What a legal hold card was drawn at: whether the review is held."""
    return revision_of(review.legal_hold)


def current_retention_revision(uow: UnitOfWork, member: MemberView) -> str:
    require(member, Role.ADMIN)
    return retention_revision(policy_of(uow.retention, member.partnership_id))


def save_retention(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> RetentionPolicy:
    require(member, Role.ADMIN)
    policy = parse_policy(data)
    repo = uow.retention
    before = policy_of(repo, member.partnership_id)
    repo.save_policy_settings(member.partnership_id, policy.to_settings())
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "retention.saved",
        ("partnership", member.partnership_id),
        before=before.to_settings(),
        after=policy.to_settings(),
    )
    return policy


def held_review(
    uow: UnitOfWork, member: MemberView, raw: object, today: date | None = None
) -> HoldView:
    """A review of the admin's partnership, by id (card data) or reference (typed); given
    `today`, with the day retention would delete it (`deletion_line`) for the hold card."""
    require(member, Role.ADMIN)
    repo = uow.retention
    review_id = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if isinstance(raw, str):
        found = named_review(uow, member, raw)  # a reference, or a pseudonym as typed
        review_id = found.id if found else None
    view = repo.review(member.partnership_id, review_id) if review_id is not None else None
    if view is None:
        raise NotFound(
            "I can't find that review in your partnership. For example: legal hold LOS-2026-004."
        )
    return view if today is None else with_deletion(uow, member, view, today)


def with_deletion(uow: UnitOfWork, member: MemberView, view: HoldView, today: date) -> HoldView:
    """The review with its `deletion` line, under the partnership's retention period."""
    policy = policy_of(uow.retention, member.partnership_id)
    line = deletion_line(policy, view.stage, view.ended_on, view.legal_hold, today)
    return replace(view, deletion=line)


def set_legal_hold(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date | None = None,
) -> HoldView:
    """Place or lift the hold named by the card; the review comes from the admin's own
    partnership, whatever the card says."""
    review = held_review(uow, member, data.get("review_id"))
    wanted = data.get("hold")
    if wanted not in ("on", "off"):
        raise InvalidInput("That button isn't one I recognise. Type legal hold and the reference.")
    held = wanted == "on"
    reason = hold_reason(data.get("reason"), held)
    if review.legal_hold == held or not uow.retention.set_legal_hold(review.id, held):
        current = uow.retention.review(member.partnership_id, review.id) or review
        return current if today is None else with_deletion(uow, member, current, today)
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "review.legal_hold_placed" if held else "review.legal_hold_lifted",
        ("review", review.id),
        before={"legal_hold": review.legal_hold},
        after={"legal_hold": held, "reason": reason},
    )
    updated = uow.retention.review(member.partnership_id, review.id)
    assert updated is not None
    return updated if today is None else with_deletion(uow, member, updated, today)


def hold_reason(raw: object, held: bool) -> str:
    """Why a hold is placed or lifted: needed (a legal hold is an information-governance act
    that says why), bounded, and refused when it identifies, as a chair's reasons are
    (`domain.reviews.required_reason`): another admin reads it on the audit trail."""
    return required_reason(raw, HOLD_WHY[held], HOLD_REASON_MAX)
