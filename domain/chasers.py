"""The chaser policy (docs/architecture.md §5, issue 5 item 3) as pure functions.

Given a partnership's policy and a chaseable record described by plain values, this module says
when the next chaser is due, what kind it is, who it goes to and what its card should say. It
reads no clock and touches no database: the caller passes the moment.

How the engine uses it:

- Whenever a record is created or changes (status, due date, an owner's update, a policy edit),
  it stores `next_chase(policy, subject, after=now)` as `next_chase_at` (NULL for None).
- The sweep claims the records whose `next_chase_at` has come and calls
  `on_sweep(policy, subject, now)` for each. It sends `outcome.send` if there is one (the
  idempotency key is the record and `send.sequence`), saves `mark_sent(subject, send)` and
  stores `outcome.next_chase_at`. A chaser Teams can't deliver (the person can't be reached,
  or every try failed) is saved the same way: unheard, it is unanswered all the more, so it
  moves the escalation ladder on.
- When the owner responds (an update, completion, a new-date request, a block), it saves
  `mark_answered(subject)`, so escalation counts only the chasers they have ignored.

Every send plans forward from `now`. So when the bot has been down, the chasers it missed
collapse into one catch-up chaser. That chaser is written as of the moment it goes out, and
nothing is sent in a burst: after a catch-up, the next chaser still waits M working days.

Rules chosen where issue 5 is silent:

- A due date on a weekend or bank holiday is met on the next working day, as in
  `WorkingCalendar.add_working_days`. Reminders count back from that day.
- A chaser goes out at the start of the working day (09:00 London by default). The exception is
  a catch-up, which goes out at the first working moment after an outage.
- Overdue chasers sit on a fixed grid, every M working days from the due date, so an unrelated
  edit never moves them. A revised due date starts a new cycle: a new reminder and a new grid.
- From K unanswered overdue chasers, the agency's safeguarding lead is copied in. From 2K, the
  chair is copied in too, and for action items so is the LIC channel. Pre-analysis returns never
  go to the LIC channel, because the LIC group tracks actions, not returns.
- A blocked action item: the owner is not chased, because they have said they cannot move. The
  update handler tells the chair at once. This policy then reminds the chair every M working days
  from the day the item was blocked, until it is unblocked or cancelled.
- An escalated action item (the LIC group's decision on a completed one): as a blocked item,
  the owner is not chased and the chair is reminded every M working days from the day it was
  escalated, until they decide (a new date, reopen, or not achievable).
- A completed action item: the owner is asked for evidence of impact every M working days from
  the day they marked it complete, until the LIC group records impact. After that the owner is
  not chased. "Keep open" moves the item back to in_progress, which is chased against its due
  date again.
- A pre-analysis return is chased until it is submitted. A return sent back with comments is
  chased against its due date again.
- A submitted return waits for its agency lead's sign-off. Its "due date" is `signoff_days`
  working days after the day it was submitted (`sign_off_subject`); there is no reminder before
  it, because the lead was sent the sign-off card on the day. From that day the lead is chased
  every M working days, and after K unanswered chasers the chair is copied in: above a lead
  there is only the chair.
- A nil return the chair recorded waits for the agency lead to confirm it, and is chased the
  same way (`nil_confirmation_subject`): due `signoff_days` working days after the day it was
  recorded, then every M working days, with the chair copied in after K. Confirming or
  declining it ends the chasing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from domain.calendar import DEFAULT_CALENDAR, MONDAY_TO_FRIDAY, WorkingCalendar
from domain.errors import FormInvalid
from domain.idempotency import revision_of
from domain.model import ActionStatus, ReturnStatus
from domain.transitions import PRACTITIONER_DONE

if TYPE_CHECKING:
    # Only a type: at run time the domain imports pydantic itself, not its core package.
    from pydantic_core import ErrorDetails

DEFAULT_REMINDER_DAYS: Final = 5
DEFAULT_SIGNOFF_DAYS: Final = 3
EARLIEST_START: Final = time(6, 0)
LATEST_END: Final = time(22, 0)

_WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
# Before any due date this product will ever see; the start of every chaser cycle is after it.
_LONG_AGO: Final = datetime(1970, 1, 1, tzinfo=UTC)


class SubjectKind(StrEnum):
    ACTION_ITEM = "action_item"
    PRE_ANALYSIS_RETURN = "pre_analysis_return"
    # A submitted return waiting for its agency lead: the lead is the owner being chased.
    RETURN_SIGN_OFF = "return_sign_off"
    # A nil return the chair recorded, waiting for the agency lead to confirm or decline it.
    NIL_CONFIRMATION = "nil_confirmation"


class ChaseKind(StrEnum):
    REMINDER = "reminder"  # before the due date
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    IMPACT_REQUEST = "impact_request"  # completed, impact not yet recorded
    BLOCKED = "blocked"  # to the chair: the item is still blocked
    ESCALATED = "escalated"  # to the chair: the LIC group escalated it, and it waits for them


class Audience(StrEnum):
    OWNER = "owner"
    AGENCY_LEAD = "agency_lead"
    CHAIR = "chair"
    LIC_CHANNEL = "lic_channel"


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    BLUE = "blue"


# --- the policy an admin edits ---------------------------------------------------------------


def _weekday_numbers(value: object) -> object:
    # A multi-select card input sends "mon,tue", the settings column holds ["mon", "tue"] and
    # code passes numbers. A list goes on to pydantic, so unhashable junk is reported as invalid
    # instead of raising TypeError.
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return [_weekday_number(item) for item in value]
    return value


def _weekday_number(item: object) -> object:
    name = item.strip().lower()[:3] if isinstance(item, str) else None
    return _WEEKDAYS.index(name) if name in _WEEKDAYS else item


def _working_time(value: time) -> time:
    if value.tzinfo is not None or value.second or value.microsecond:
        raise ValueError("Enter a time of day in hours and minutes, like 09:00.")
    # The bounds keep chasers in the working day. They also keep them clear of the small hours,
    # when the clocks change and some local times do not exist.
    if not EARLIEST_START <= value <= LATEST_END:
        raise ValueError(
            f"Working hours must fall between {EARLIEST_START:%H:%M} and {LATEST_END:%H:%M}."
        )
    return value


def _known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"I don't know the time zone '{name}'. Use a name like Europe/London."
        ) from None
    return name


WorkingTime = Annotated[time, AfterValidator(_working_time)]
TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]
Weekdays = Annotated[
    frozenset[Annotated[int, Field(ge=0, le=6)]],
    BeforeValidator(_weekday_numbers),
    Field(min_length=1),
]

# What an admin sees beside a field on the policy card when pydantic rejects its value.
_FIELD_HELP: Final[Mapping[str, str]] = {
    "reminder_days_before": "Send the first reminder 0 to 30 working days before the due date.",
    "overdue_every": "Chase overdue items every 1 to 20 working days.",
    "escalate_after": "Escalate after 1 to 10 unanswered overdue chasers.",
    "signoff_days": "Allow 1 to 20 working days for an agency lead's sign-off.",
    "work_starts": "Enter the start of the working day, like 09:00.",
    "work_ends": "Enter the end of the working day, like 17:00.",
    "time_zone": "Use a time zone name like Europe/London.",
    "working_weekdays": "Choose at least one working day (mon, tue, wed, thu, fri, sat, sun).",
}


class ChaserPolicy(BaseModel):
    """A partnership's chaser policy, stored in its JSON settings and edited on an admin card."""

    # Unknown keys are ignored because the settings column may hold keys that a newer release
    # wrote. Missing keys take their defaults, because older rows predate newer settings.
    model_config = ConfigDict(frozen=True, extra="ignore")

    reminder_days_before: int = Field(default=DEFAULT_REMINDER_DAYS, ge=0, le=30)
    overdue_every: int = Field(default=3, ge=1, le=20)
    escalate_after: int = Field(default=2, ge=1, le=10)
    # How long a submitted return may wait for its agency lead's sign-off before the lead is
    # chased (then, after `escalate_after` unanswered chasers, the chair too).
    signoff_days: int = Field(default=DEFAULT_SIGNOFF_DAYS, ge=1, le=20)
    work_starts: WorkingTime = time(9, 0)
    # Validated even when defaulted: a start of 18:00 must not slip past a default end of 17:00.
    work_ends: WorkingTime = Field(default=time(17, 0), validate_default=True)
    time_zone: TimeZoneName = "Europe/London"
    working_weekdays: Weekdays = MONDAY_TO_FRIDAY

    @field_validator("work_ends")
    @classmethod
    def _ends_after_it_starts(cls, value: time, info: ValidationInfo) -> time:
        starts = info.data.get("work_starts")
        if isinstance(starts, time) and value <= starts:
            raise ValueError(f"The working day must end after it starts ({starts:%H:%M}).")
        return value

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> ChaserPolicy:
        """Validate stored settings or card input; FormInvalid carries one message per field."""
        try:
            return cls.model_validate(dict(settings))
        except ValidationError as error:
            raise FormInvalid(_field_messages(error)) from None

    def to_settings(self) -> dict[str, int | str | list[str]]:
        """JSON-ready, readable in the database, and accepted back by `from_settings`."""
        return {
            "reminder_days_before": self.reminder_days_before,
            "overdue_every": self.overdue_every,
            "escalate_after": self.escalate_after,
            "signoff_days": self.signoff_days,
            "work_starts": f"{self.work_starts:%H:%M}",
            "work_ends": f"{self.work_ends:%H:%M}",
            "time_zone": self.time_zone,
            "working_weekdays": [_WEEKDAYS[day] for day in sorted(self.working_weekdays)],
        }

    @property
    def calendar(self) -> WorkingCalendar:
        return _calendar(self.time_zone, self.working_weekdays)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.time_zone)).date()

    def start_of(self, day: date) -> datetime:
        """The start of the working day on `day`, in UTC."""
        local = datetime.combine(day, self.work_starts, tzinfo=ZoneInfo(self.time_zone))
        return local.astimezone(UTC)

    def first_working_moment(self, moment: datetime) -> datetime:
        """`moment` itself when it is inside working hours, else the next start of a working day."""
        local = moment.astimezone(ZoneInfo(self.time_zone))
        day = local.date()
        if self.calendar.is_working_day(day) and local.time() < self.work_ends:
            return max(moment.astimezone(UTC), self.start_of(day))
        return self.start_of(self.calendar.next_working_day(day + timedelta(days=1)))

    def is_working_moment(self, moment: datetime) -> bool:
        return self.first_working_moment(moment) == moment


DEFAULT_POLICY: Final = ChaserPolicy()


@lru_cache(maxsize=64)
def policy_revision(policy: ChaserPolicy) -> str:
    """What the chaser policy card was drawn at: the settings a save rewrites."""
    return revision_of(policy.to_settings())


def _calendar(time_zone: str, working_weekdays: frozenset[int]) -> WorkingCalendar:
    return WorkingCalendar(tz_name=time_zone, working_weekdays=working_weekdays)


def _field_messages(error: ValidationError) -> dict[str, str]:
    messages: dict[str, str] = {}
    for detail in error.errors(include_url=False):
        field = str(detail["loc"][0]) if detail["loc"] else "chaser_policy"
        messages.setdefault(field, _message_for(field, detail))
    return messages


def _message_for(field: str, detail: ErrorDetails) -> str:
    # Our own validators word their messages for an admin. Pydantic's built-in messages
    # ("Input should be greater than or equal to 1") do not, so the field's help is shown instead.
    cause = detail.get("ctx", {}).get("error")
    if detail["type"] == "value_error" and isinstance(cause, ValueError):
        return str(cause)
    return _FIELD_HELP.get(field, "Check this value.")


# --- what is being chased --------------------------------------------------------------------


@dataclass(frozen=True)
class ChaseSubject:
    """A chaseable record (an action item or a pre-analysis return) as the engine loads it."""

    kind: SubjectKind
    status: ActionStatus | ReturnStatus
    due_on: date
    revised_due_on: date | None = None
    chase_count: int = 0  # chasers sent about this record so far
    overdue_unanswered: int = 0  # overdue chasers since the owner last responded
    impact_recorded: bool = False
    # The date (where the partnership is) the record entered its status. Completed and blocked
    # items are chased from that day, so the date is required for them.
    status_since: date | None = None
    # Every chaser (reminders too) since the owner last responded, delivered or not: what an
    # escalation copy's "Chasers unanswered" says (`overdue_unanswered` climbs the ladder).
    unanswered: int = 0
    # Of `chase_count`, the chasers since its owner took it on (an action item's reassign
    # starts it again, `NEW_OWNER`); None: all of them, the record never changed hands.
    owner_chases: int | None = None

    def __post_init__(self) -> None:
        expected = ActionStatus if self.kind is SubjectKind.ACTION_ITEM else ReturnStatus
        if not isinstance(self.status, expected):
            raise ValueError(f"A {self.kind.value} cannot have the status {self.status!r}.")
        if min(self.chase_count, self.overdue_unanswered, self.unanswered, self.chased_owner) < 0:
            raise ValueError("Chase counts cannot be negative.")
        if self.status in _DATED_STATUSES and self.status_since is None:
            raise ValueError(f"A {self.status.value} item needs status_since.")

    @property
    def effective_due(self) -> date:
        return self.revised_due_on or self.due_on

    @property
    def chased_owner(self) -> int:
        """The chasers sent since its owner took it on (never more than the record's)."""
        if self.owner_chases is None:
            return self.chase_count
        return min(self.owner_chases, self.chase_count)

    @property
    def tally(self) -> Tally:
        return Tally(self.chase_count, self.chased_owner)


@dataclass(frozen=True)
class Tally:
    """How often a record has been chased: in all, and since its owner took it on. After a
    reassign they differ, and both are worth knowing: the new owner answers for theirs, and
    the chair sees how long the item has been chased at all. The owner's card, the tracker and
    the reports all say it from here (`owner_line`, `summaries.chased_text`)."""

    total: int
    owner: int

    def __post_init__(self) -> None:
        if not 0 <= self.owner <= self.total:
            raise ValueError("An owner's chasers are some of the record's.")

    @property
    def before_owner(self) -> int:
        """The chasers that went to earlier owners."""
        return self.total - self.owner

    def after(self, sent: int = 1) -> Tally:
        return Tally(self.total + sent, self.owner + sent)


_DATED_STATUSES: Final = frozenset(
    {ActionStatus.COMPLETED, ActionStatus.BLOCKED, ActionStatus.ESCALATED}
)


@dataclass(frozen=True)
class PlannedChase:
    """One chaser: when it goes, what it is, who gets it and the words its card needs."""

    at: datetime  # UTC, inside working hours on a working day
    kind: ChaseKind
    sequence: int  # 1, 2, 3... over the record's life; with the record, the idempotency key
    recipients: tuple[Audience, ...]
    headline: str  # "Overdue by 3 working days: it was due Wed 2 Dec."
    # The headline for someone copied in, who isn't the one asked: "Waiting for its agency
    # lead's sign-off for 4 working days: submitted Thu 3 Dec."
    copy_headline: str
    chased_line: str  # "You have now been chased 4 times about this action, counting this one."
    what_next: str  # "If there's no update by Thu 10 Dec, your agency's safeguarding lead..."
    # When the chaser after this one goes if nobody answers: what the sweep stores once it sends.
    following_at: datetime | None
    # The record's chasers before its owner took it on (to earlier owners): this one is the
    # owner's `owner_sequence`th.
    earlier_owners: int = 0

    @property
    def owner_sequence(self) -> int:
        """This chaser's number among those sent since the owner took the record on."""
        return self.sequence - self.earlier_owners

    @property
    def times_chased(self) -> int:
        """How many chasers this record has had, this one included."""
        return self.sequence


@dataclass(frozen=True)
class SweepOutcome:
    """What the sweep does with a claimed record: maybe send, then store `next_chase_at`."""

    send: PlannedChase | None
    next_chase_at: datetime | None


class _Track(StrEnum):
    """The schedule a record is on."""

    DUE_DATE = "due_date"  # reminder, due today, then overdue
    IMPACT = "impact"
    BLOCKED = "blocked"
    ESCALATED = "escalated"


_GRID_KIND: Final = {
    _Track.IMPACT: ChaseKind.IMPACT_REQUEST,
    _Track.BLOCKED: ChaseKind.BLOCKED,
    _Track.ESCALATED: ChaseKind.ESCALATED,
}
_REPEATING: Final = frozenset(
    {ChaseKind.OVERDUE, ChaseKind.IMPACT_REQUEST, ChaseKind.BLOCKED, ChaseKind.ESCALATED}
)
# Chasers that go to the chair alone: the owner has no move while the item is in this state.
_CHAIR_ONLY: Final = frozenset({ChaseKind.BLOCKED, ChaseKind.ESCALATED})
# Submitted, signed off, nil, proceeded without or removed: nothing for the practitioner to do.
_RETURN_DONE: Final = PRACTITIONER_DONE
_ACTION_TRACKS: Final[Mapping[ActionStatus, _Track | None]] = {
    ActionStatus.OPEN: _Track.DUE_DATE,
    ActionStatus.IN_PROGRESS: _Track.DUE_DATE,
    ActionStatus.BLOCKED: _Track.BLOCKED,
    ActionStatus.COMPLETED: _Track.IMPACT,
    ActionStatus.CLOSED: None,
    ActionStatus.CANCELLED: None,
    ActionStatus.SPLIT: None,  # chasing moves to the two new items
    ActionStatus.ESCALATED: _Track.ESCALATED,
}
_ACTION_LADDER: Final = (
    (Audience.OWNER,),
    (Audience.OWNER, Audience.AGENCY_LEAD),
    (Audience.OWNER, Audience.AGENCY_LEAD, Audience.CHAIR, Audience.LIC_CHANNEL),
)
_RETURN_LADDER: Final = (
    (Audience.OWNER,),
    (Audience.OWNER, Audience.AGENCY_LEAD),
    (Audience.OWNER, Audience.AGENCY_LEAD, Audience.CHAIR),
)
_SIGN_OFF_LADDER: Final = (
    (Audience.OWNER,),
    (Audience.OWNER, Audience.CHAIR),
    (Audience.OWNER, Audience.CHAIR),
)
_LADDERS: Final = {
    SubjectKind.ACTION_ITEM: _ACTION_LADDER,
    SubjectKind.PRE_ANALYSIS_RETURN: _RETURN_LADDER,
    SubjectKind.RETURN_SIGN_OFF: _SIGN_OFF_LADDER,
    SubjectKind.NIL_CONFIRMATION: _SIGN_OFF_LADDER,
}
# What each kind of record is called in a chaser's words.
NOUNS: Final = {
    SubjectKind.ACTION_ITEM: "action",
    SubjectKind.PRE_ANALYSIS_RETURN: "return",
    SubjectKind.RETURN_SIGN_OFF: "sign-off",
    SubjectKind.NIL_CONFIRMATION: "nil return",
}
# Records waiting for the agency lead, and the status they wait in: chased from the day they
# entered it, on the overdue grid only (the lead was sent the card that day).
_LEAD_WAITS: Final = {
    SubjectKind.RETURN_SIGN_OFF: ReturnStatus.SUBMITTED,
    SubjectKind.NIL_CONFIRMATION: ReturnStatus.NIL_PENDING,
}
# The records whose chasers go to an agency's leads: each lead hears only their own count.
LEAD_KINDS: Final = frozenset(_LEAD_WAITS)
LEAD_WAIT_STATUSES: Final = frozenset(_LEAD_WAITS.values())
# (what the lead is asked for, the same for someone copied in, what happened that day)
_WAITING_FOR: Final = {
    SubjectKind.RETURN_SIGN_OFF: ("your sign-off", "its agency lead's sign-off", "submitted"),
    SubjectKind.NIL_CONFIRMATION: (
        "you to confirm a nil return",
        "its agency lead to confirm a nil return",
        "recorded",
    ),
}
_WHO: Final = {
    Audience.AGENCY_LEAD: "your agency's safeguarding lead",
    Audience.CHAIR: "the review chair",
    Audience.LIC_CHANNEL: "the LIC group",
}


@dataclass(frozen=True)
class _Slot:
    day: date
    kind: ChaseKind


# --- the public functions --------------------------------------------------------------------


def next_chase(policy: ChaserPolicy, subject: ChaseSubject, after: datetime) -> PlannedChase | None:
    """The next chaser strictly after `after`. None when the record is no longer chased."""
    _require_aware(after)
    slot = _slot_after(policy, subject, after)
    if slot is None:
        return None
    return _plan(policy, subject, slot, policy.start_of(slot.day))


def on_sweep(policy: ChaserPolicy, subject: ChaseSubject, now: datetime) -> SweepOutcome:
    """Handle a record whose `next_chase_at` has come. Its chaser is written as of `now`.

    Writing it as of now is what makes a catch-up honest. Suppose the bot was down over the
    reminder and the due date: the owner gets one overdue chaser, not a stale reminder and then
    a flood.
    """
    _require_aware(now)
    if _track(subject) is None:
        return SweepOutcome(send=None, next_chase_at=None)
    if not _cycle_started(policy, subject, now):
        # The record changed and was not re-planned, so nothing is owed yet.
        planned = next_chase(policy, subject, now)
        return SweepOutcome(send=None, next_chase_at=planned.at if planned else None)
    opens = policy.first_working_moment(now)
    if opens > now:
        # Woken outside working hours, say straight after an outage. Hold the catch-up for the
        # start of the working day rather than drop it.
        return SweepOutcome(send=None, next_chase_at=opens)
    chase = _plan(policy, subject, _slot_on(policy, subject, now), now.astimezone(UTC))
    return SweepOutcome(send=chase, next_chase_at=chase.following_at)


def mark_sent(subject: ChaseSubject, chase: PlannedChase) -> ChaseSubject:
    """The subject as the engine saves it after sending `chase`, or after failing to deliver
    it for good (an undelivered overdue chaser counts as unanswered)."""
    return _after_sending(subject, chase.kind)


def sign_off_subject(
    policy: ChaserPolicy,
    submitted_at: datetime,
    chase_count: int = 0,
    overdue_unanswered: int = 0,
    owner_chases: int | None = None,
) -> ChaseSubject:
    """A submitted return as the sign-off chaser sees it: due `signoff_days` working days
    after the day it was submitted, where the partnership is. `owner_chases`: the chasers
    since its lead took it on (`handed_over`, `LEADS_CHANGED`)."""
    return _lead_subject(
        policy,
        SubjectKind.RETURN_SIGN_OFF,
        submitted_at,
        chase_count,
        overdue_unanswered,
        owner_chases,
    )


def nil_confirmation_subject(
    policy: ChaserPolicy,
    recorded_at: datetime,
    chase_count: int = 0,
    overdue_unanswered: int = 0,
    owner_chases: int | None = None,
) -> ChaseSubject:
    """A nil return waiting for its agency lead, as the chaser sees it: due `signoff_days`
    working days after the day the chair recorded it, like a sign-off."""
    return _lead_subject(
        policy,
        SubjectKind.NIL_CONFIRMATION,
        recorded_at,
        chase_count,
        overdue_unanswered,
        owner_chases,
    )


def _lead_subject(
    policy: ChaserPolicy,
    kind: SubjectKind,
    since: datetime,
    chase_count: int,
    overdue_unanswered: int,
    owner_chases: int | None,
) -> ChaseSubject:
    day = policy.local_date(since)
    return ChaseSubject(
        kind,
        _LEAD_WAITS[kind],
        policy.calendar.add_working_days(day, policy.signoff_days),
        chase_count=chase_count,
        overdue_unanswered=overdue_unanswered,
        status_since=day,
        # The lead is chased only once it is overdue: every chaser of theirs is an overdue one.
        unanswered=overdue_unanswered,
        owner_chases=owner_chases,
    )


def mark_answered(subject: ChaseSubject) -> ChaseSubject:
    """The owner has responded, so escalation starts counting again from nothing."""
    return replace(subject, overdue_unanswered=0, unanswered=0)


# The record's columns an owner's answer (an update, a new status, a date asked for or set, a
# new owner) sets: the counts `mark_answered` starts again from nothing.
ANSWERED: Final[Mapping[str, int]] = {"overdue_chase_count": 0, "unanswered_chase_count": 0}


def mark_new_owner(subject: ChaseSubject) -> ChaseSubject:
    """Someone else has it now (an action item's reassign): an answer, and the new owner's
    own count of chasers starts from nothing; the record's goes on."""
    return replace(mark_answered(subject), owner_chases=0)


# The record's columns a new owner sets: the counts `mark_new_owner` starts again.
NEW_OWNER: Final[Mapping[str, int]] = {**ANSWERED, "owner_chase_count": 0}
# What a change of an agency's leads sets on its returns waiting for a lead: the lead's own
# count starts again, as a new owner's; whether they have answered is the record's, not theirs.
LEADS_CHANGED: Final[Mapping[str, int]] = {"owner_chase_count": 0}


def handed_over(before: ReturnStatus, after: ReturnStatus) -> Mapping[str, int]:
    """The chase state a return's status change sets. Submitted to its agency lead (or a nil
    return recorded for the lead to confirm), its chasing is handed to the lead, whose own
    count starts from nothing, as an action item's reassign does (`NEW_OWNER`): the lead is
    told how often *they* were chased, not how often the practitioners were before them.
    Leaving the lead's wait (sent back, a nil return declined) is the lead's answer
    (`ANSWERED`) and hands nothing on: the practitioners' count was never started again, it is
    the record's lifetime count (storage reads no owner count for them), so they are never told
    "since this return became yours"."""
    waits = LEAD_WAIT_STATUSES
    if after in waits and before not in waits:
        return NEW_OWNER
    if before in waits and after not in waits:
        return ANSWERED
    return {}


def rag(
    status: ActionStatus | ReturnStatus,
    due: date,
    today: date,
    impact_recorded: bool,
    warning_days: int = DEFAULT_REMINDER_DAYS,
    *,
    self_assessment: Rag | None = None,
    calendar: WorkingCalendar = DEFAULT_CALENDAR,
) -> Rag | None:
    """The tracker's RAG (docs/practice.md), plus blue for impact evidenced.

    `due` is the effective due date (the revised one if any) and `today` is the local date.
    The owner's own assessment can make the rating worse ("progress at risk"), never better. A
    cancelled item gets None: it has no rating, and the tracker shows it as cancelled; so does
    an item split into two (the tracker says "Split"; the new items have their own ratings).
    """
    if status is ActionStatus.CANCELLED or status is ActionStatus.SPLIT:
        return None
    if _impact_evidenced(status, impact_recorded):
        return Rag.BLUE
    if status is ActionStatus.BLOCKED or status is ActionStatus.ESCALATED:
        return Rag.RED
    if status is ActionStatus.COMPLETED or status is ReturnStatus.SUBMITTED:
        return _worse(Rag.GREEN, self_assessment)  # done on time or late, the owner has delivered
    return _worse(_due_rag(due, today, warning_days, calendar), self_assessment)


# --- the schedule ----------------------------------------------------------------------------


def _require_aware(moment: datetime) -> None:
    # A naive datetime is a bug in the caller. Guessing its zone would move chasers by an hour
    # for half the year.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Chaser times must be timezone-aware datetimes.")


def _track(subject: ChaseSubject) -> _Track | None:
    """The schedule the record is on, or None once it is no longer chased."""
    status = subject.status
    waits_in = _LEAD_WAITS.get(subject.kind)
    if waits_in is not None:
        return _Track.DUE_DATE if status is waits_in else None
    if isinstance(status, ReturnStatus):
        return None if status in _RETURN_DONE else _Track.DUE_DATE
    if status is ActionStatus.COMPLETED and subject.impact_recorded:
        return None
    return _ACTION_TRACKS[status]


def _slot_after(policy: ChaserPolicy, subject: ChaseSubject, after: datetime) -> _Slot | None:
    track = _track(subject)
    if track is None:
        return None
    if track is _Track.DUE_DATE:
        return _due_slot_after(policy, subject, after)
    assert subject.status_since is not None  # ChaseSubject requires it on these tracks
    return _grid_slot_after(policy, subject.status_since, after, _GRID_KIND[track])


def _due_day(policy: ChaserPolicy, subject: ChaseSubject) -> date:
    return policy.calendar.next_working_day(subject.effective_due)


def _due_slot_after(policy: ChaserPolicy, subject: ChaseSubject, after: datetime) -> _Slot:
    due_day = _due_day(policy, subject)
    for slot in _lead_up(policy, subject, due_day):
        if policy.start_of(slot.day) > after:
            return slot
    return _grid_slot_after(policy, due_day, after, ChaseKind.OVERDUE)


def _lead_up(policy: ChaserPolicy, subject: ChaseSubject, due_day: date) -> list[_Slot]:
    if subject.kind in _LEAD_WAITS:
        # The policy's time is up that day: the lead is chased then, as overdue.
        return [_Slot(due_day, ChaseKind.OVERDUE)]
    on_the_day = _Slot(due_day, ChaseKind.DUE_TODAY)
    if not policy.reminder_days_before:
        return [on_the_day]
    reminder_day = policy.calendar.add_working_days(due_day, -policy.reminder_days_before)
    return [_Slot(reminder_day, ChaseKind.REMINDER), on_the_day]


def _grid_slot_after(policy: ChaserPolicy, anchor: date, after: datetime, kind: ChaseKind) -> _Slot:
    """The first of anchor + M, anchor + 2M, ... working days that starts after `after`."""
    calendar, every = policy.calendar, policy.overdue_every
    after_day = policy.local_date(after)
    day = calendar.add_working_days(anchor, every)
    # Comparing dates first skips the time zone arithmetic for every slot well before `after`.
    while day < after_day or policy.start_of(day) <= after:
        day = calendar.add_working_days(day, every)
    return _Slot(day, kind)


def _cycle_started(policy: ChaserPolicy, subject: ChaseSubject, now: datetime) -> bool:
    first = _slot_after(policy, subject, _LONG_AGO)
    return first is not None and policy.start_of(first.day) <= now


def _slot_on(policy: ChaserPolicy, subject: ChaseSubject, moment: datetime) -> _Slot:
    """The chaser a record is due for on the local date of `moment`: for catch-ups."""
    day = policy.local_date(moment)
    track = _track(subject)
    if track is not None and track in _GRID_KIND:
        return _Slot(day, _GRID_KIND[track])
    due_day = _due_day(policy, subject)
    if subject.kind in _LEAD_WAITS:
        return _Slot(day, ChaseKind.OVERDUE)
    if day == due_day:
        return _Slot(day, ChaseKind.DUE_TODAY)
    return _Slot(day, ChaseKind.REMINDER if day < due_day else ChaseKind.OVERDUE)


def _after_sending(subject: ChaseSubject, kind: ChaseKind) -> ChaseSubject:
    overdue = 1 if kind is ChaseKind.OVERDUE else 0
    return replace(
        subject,
        chase_count=subject.chase_count + 1,
        overdue_unanswered=subject.overdue_unanswered + overdue,
        unanswered=subject.unanswered + 1,
        owner_chases=None if subject.owner_chases is None else subject.chased_owner + 1,
    )


def _quiet_until(policy: ChaserPolicy, kind: ChaseKind, sent_at: datetime) -> datetime:
    """After a repeating chaser, the next waits a full interval, even after a catch-up.

    On time, the next grid slot is M working days away anyway. After a catch-up the next grid
    slot could be tomorrow, which would read as nagging.
    """
    if kind not in _REPEATING:
        return sent_at
    today = policy.local_date(sent_at)
    last_quiet_day = policy.calendar.add_working_days(today, policy.overdue_every - 1)
    return max(sent_at, policy.start_of(last_quiet_day))


# --- who gets it, and what it says -----------------------------------------------------------


def _plan(policy: ChaserPolicy, subject: ChaseSubject, slot: _Slot, at: datetime) -> PlannedChase:
    quiet_until = _quiet_until(policy, slot.kind, at)
    following = _slot_after(policy, _after_sending(subject, slot.kind), quiet_until)
    return PlannedChase(
        at=at,
        kind=slot.kind,
        sequence=subject.chase_count + 1,
        recipients=_recipients(policy, subject, slot.kind),
        headline=_headline(policy, subject, slot),
        copy_headline=_headline(policy, subject, slot, copied=True),
        chased_line=_chased_line(subject, slot.kind),
        what_next=_what_next(policy, subject, slot, following),
        following_at=policy.start_of(following.day) if following else None,
        earlier_owners=subject.tally.before_owner,
    )


def _recipients(
    policy: ChaserPolicy, subject: ChaseSubject, kind: ChaseKind
) -> tuple[Audience, ...]:
    if kind in _CHAIR_ONLY:
        return (Audience.CHAIR,)
    if kind is not ChaseKind.OVERDUE:
        return (Audience.OWNER,)
    ladder = _LADDERS[subject.kind]
    return ladder[min(subject.overdue_unanswered // policy.escalate_after, 2)]


def _headline(
    policy: ChaserPolicy, subject: ChaseSubject, slot: _Slot, *, copied: bool = False
) -> str:
    due_day, calendar = _due_day(policy, subject), policy.calendar
    if slot.kind is ChaseKind.REMINDER:
        left = calendar.working_days_between(slot.day, due_day)
        return f"Due {day_text(due_day, slot.day)}: {_working_days(left)} to go."
    if slot.kind is ChaseKind.DUE_TODAY:
        return f"Due today, {day_text(due_day, slot.day)}."
    waiting_for = _WAITING_FOR.get(subject.kind)
    if waiting_for is not None and subject.status_since is not None:
        waiting = calendar.working_days_between(subject.status_since, slot.day)
        asked, copy, done = waiting_for
        what = copy if copied else asked
        since = day_text(subject.status_since, slot.day)
        return f"Waiting for {what} for {_working_days(waiting)}: {done} {since}."
    if slot.kind is ChaseKind.OVERDUE:
        late = calendar.working_days_between(due_day, slot.day)
        return f"Overdue by {_working_days(late)}: it was due {day_text(due_day, slot.day)}."
    since = day_text(subject.status_since or slot.day, slot.day)
    if slot.kind is ChaseKind.BLOCKED:
        return f"Blocked since {since}."
    if slot.kind is ChaseKind.ESCALATED:
        return f"Escalated to you by the LIC group on {since}: it waits for your decision."
    return f"Marked complete on {since}: what difference has it made?"


def _chased_line(subject: ChaseSubject, kind: ChaseKind) -> str:
    noun = NOUNS[subject.kind]
    count = subject.chase_count + 1
    if kind is ChaseKind.BLOCKED:
        return f"Reminder {count} about this {noun}. Its owner is not chased while it is blocked."
    if kind is ChaseKind.ESCALATED:
        return f"Reminder {count} about this {noun}. Its owner is not chased while it is with you."
    tally = subject.tally.after()
    if subject.kind in LEAD_KINDS:
        # The record's lifetime count is mostly its practitioners' chasers: a lead hears theirs.
        tally = Tally(tally.owner, tally.owner)
    return owner_line(tally, noun)


def owner_line(tally: Tally, noun: str) -> str:
    """How often the one chased has been chased, this chaser counted in `tally`: the owner
    who took the record on from someone else hears their own count, and how many in all."""
    if tally.owner == tally.total:
        if tally.total == 1:
            return f"This is the first reminder about this {noun}."
        return f"You have now been chased {tally.total} times about this {noun}, counting this one."
    in_all = f"reminder {tally.total} about it in all"
    if tally.owner == 1:
        return f"This is your first reminder since this {noun} became yours ({in_all})."
    return (
        f"You have now been chased {tally.owner} times since this {noun} became yours, "
        f"counting this one ({in_all})."
    )


def _what_next(
    policy: ChaserPolicy, subject: ChaseSubject, slot: _Slot, following: _Slot | None
) -> str:
    if following is None:  # every live track repeats, so this is a closed record
        return ""
    when = day_text(following.day, slot.day)
    if slot.kind is ChaseKind.BLOCKED:
        return f"I'll remind you again on {when} while it stays blocked."
    if slot.kind is ChaseKind.ESCALATED:
        return f"I'll remind you again on {when} until you decide."
    if slot.kind is ChaseKind.IMPACT_REQUEST:
        return f"I'll ask again on {when} unless the LIC group has recorded the impact by then."
    if following.kind is ChaseKind.DUE_TODAY:
        return f"It's due on {when}. I'll check in with you again that day."
    copied_now = _recipients(policy, subject, slot.kind)
    copied_next = _recipients(policy, _after_sending(subject, slot.kind), following.kind)
    added = [who for who in copied_next if who not in copied_now]
    return f"If there's no update by {when}, {_escalation_text(added)}"


def _escalation_text(added: Sequence[Audience]) -> str:
    if not added:
        return "I'll chase you again."
    if list(added) == [Audience.AGENCY_LEAD]:
        return "your agency's safeguarding lead will be asked to help."
    return f"{_join([_WHO[who] for who in added if who in _WHO])} will be told."


def _join(parts: Sequence[str]) -> str:
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def day_text(day: date, relative_to: date) -> str:
    # Spelled out rather than strftime("%a %b"), which follows the server's locale.
    text = f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]}"
    return text if day.year == relative_to.year else f"{text} {day.year}"


def _working_days(count: int) -> str:
    return f"{count} working day" if count == 1 else f"{count} working days"


# --- RAG -------------------------------------------------------------------------------------


def _impact_evidenced(status: ActionStatus | ReturnStatus, impact_recorded: bool) -> bool:
    if status is ActionStatus.CLOSED or status is ReturnStatus.SIGNED_OFF:
        return True
    return status is ActionStatus.COMPLETED and impact_recorded


def _due_rag(due: date, today: date, warning_days: int, calendar: WorkingCalendar) -> Rag:
    due_day = calendar.next_working_day(due)
    if today > due_day:
        return Rag.RED
    # The warning window opens on the day the reminder goes out.
    if calendar.working_days_between(today, due_day) <= warning_days:
        return Rag.AMBER
    return Rag.GREEN


_SEVERITY: Final = {Rag.GREEN: 0, Rag.AMBER: 1, Rag.RED: 2}


def _worse(computed: Rag, self_assessment: Rag | None) -> Rag:
    if self_assessment is None or self_assessment not in _SEVERITY:
        return computed
    return max(computed, self_assessment, key=lambda rating: _SEVERITY[rating])
