"""The schema for the whole domain model (docs/architecture.md §3), designed once.

Later features fill in behaviour; the tables are here from the start so migrations stay few.
Conversation addresses are plain columns, never pickled SDK objects. JSON columns hold small
structured values (settings, theme lists, guide sections) that are always read whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Index,
    Table,
    Text,
    UniqueConstraint,
    case,
    false,
    func,
    literal_column,
)
from sqlmodel import Field, SQLModel

from domain.directory import ACCESS_ENDED_MARK, agency_key

# The moment rows and audit events are stamped with: the wall clock, except while the demo
# loader replays a story's event at the event's own time (`stamped_at`), so its audit trail says
# what its records say. Nothing else sets it.
_STAMP: ContextVar[datetime | None] = ContextVar("stamp", default=None)


def utcnow() -> datetime:
    return _STAMP.get() or datetime.now(UTC)


@contextmanager
def stamped_at(moment: datetime) -> Iterator[None]:
    """Stamp what is written inside (created, updated, audited at) with `moment`, not now.
    Rows are still only inserted or updated as the product does: the audit stays append-only."""
    token = _STAMP.set(moment)
    try:
        yield
    finally:
        _STAMP.reset(token)


def _json(default: Any = None) -> Any:
    return Field(
        default_factory=lambda: default() if callable(default) else default,
        sa_column=Column(JSON, nullable=default is not None),
    )


def _text(nullable: bool = True) -> Any:
    return Field(default=None if nullable else "", sa_column=Column(Text, nullable=nullable))


class AddressColumns(SQLModel):
    """A proactive conversation address (docs/teams-platform.md), shared by members and channels."""

    service_url: str | None = Field(default=None, max_length=500)
    conversation_id: str | None = Field(default=None, max_length=500)
    bot_id: str | None = Field(default=None, max_length=200)
    address_user_id: str | None = Field(default=None, max_length=500)
    conversation_type: str | None = Field(default=None, max_length=20)
    unreachable_since: datetime | None = None
    unreachable_reason: str | None = Field(default=None, max_length=200)


class Partnership(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    time_zone: str = Field(default="Europe/London", max_length=64)
    # Working days, chaser policy and retention periods: validated by domain/ on write.
    settings: dict[str, Any] = _json(dict)
    created_at: datetime = Field(default_factory=utcnow)


def _agency_key(context: Any) -> str:
    return agency_key(str(context.get_current_parameters()["name"]))


class Agency(SQLModel, table=True):
    """Its safeguarding leads are its members holding the agency_lead role."""

    __table_args__ = (
        UniqueConstraint("partnership_id", "name"),
        Index("uq_agency_name_key", "partnership_id", "name_key", unique=True),
    )
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    name: str = Field(max_length=200)
    # The name folded as names are compared (domain/directory.py agency_key), filled from the
    # name on insert: its unique index settles racing adds of "Police" and "police ".
    name_key: str | None = Field(
        default=None, max_length=200, sa_column_kwargs={"default": _agency_key}
    )
    sector: str = Field(max_length=60)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


def shown_name(member: Any = None) -> Any:
    """The SQL for a member's name as shown beside work they hold: "Name (access ended)" once
    an admin ended their access (`domain.directory.shown_name`), in the same read as the name.
    `member`: an alias of Member (or its Core table); Member itself by default."""
    table: Any = Member if member is None else member
    columns = getattr(table, "c", table)
    name, active = columns.display_name, columns.active
    return case((active == false(), name + ACCESS_ENDED_MARK), else_=name).label("display_name")


class Member(AddressColumns, table=True):
    __table_args__ = (
        UniqueConstraint("partnership_id", "aad_object_id"),
        Index("ix_member_teams_user", "partnership_id", "teams_user_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    aad_object_id: str | None = Field(default=None, max_length=64)
    teams_user_id: str | None = Field(default=None, max_length=500)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    active: bool = True
    first_seen_at: datetime | None = None
    last_seen_at: datetime | None = None
    # Teams sends both installationUpdate and conversationUpdate on install: welcome once.
    welcomed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class MemberRole(SQLModel, table=True):
    __tablename__ = "member_role"
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    role: str = Field(max_length=20, primary_key=True)
    granted_at: datetime = Field(default_factory=utcnow)


class AgencyLeadCover(SQLModel, table=True):
    """A safeguarding lead who also leads for another agency than their own (one designated
    lead covering two small agencies). It counts only while the member holds agency_lead."""

    __tablename__ = "agency_lead_cover"
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", primary_key=True)
    granted_at: datetime = Field(default_factory=utcnow)


class TeamChannel(AddressColumns, table=True):
    """A channel where the bot is installed, registered for a purpose (partnership or LIC)."""

    __tablename__ = "team_channel"

    __table_args__ = (UniqueConstraint("partnership_id", "purpose"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    purpose: str = Field(max_length=20)
    team_name: str | None = Field(default=None, max_length=200)
    channel_name: str | None = Field(default=None, max_length=200)
    registered_by: int | None = Field(default=None, foreign_key="member.id")
    registered_at: datetime = Field(default_factory=utcnow)


class Theme(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("partnership_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    slug: str = Field(max_length=80)
    label: str = Field(max_length=200)
    active: bool = True


class ChaseState(SQLModel):
    """Chaser engine state on every chaseable record (docs/architecture.md §5)."""

    next_chase_at: datetime | None = Field(default=None, index=True)
    chase_count: int = 0
    overdue_chase_count: int = 0
    # Every chaser since the owner last answered, delivered or not (domain/chasers.py
    # `ChaseSubject.unanswered`; migration 0014).
    unanswered_chase_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The chasers sent since its owner took it on: `chase_count` is the record's, and goes on
    # across a reassign (domain/chasers.py `ChaseSubject.owner_chases`; migration 0015).
    owner_chase_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_chase_outcome: str | None = Field(default=None, max_length=40)
    last_chased_at: datetime | None = None


class Review(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("partnership_id", "reference"),
        UniqueConstraint("partnership_id", "year", "sequence"),
        Index("ix_review_partnership_stage", "partnership_id", "stage"),
    )
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id")
    reference: str = Field(max_length=20)
    year: int
    sequence: int
    pseudonym: str = Field(max_length=60)
    reason: str = _text(nullable=False)
    chair_member_id: int | None = Field(default=None, foreign_key="member.id")
    # A deputy chair has the chair's controls on this review.
    deputy_chair_member_id: int | None = Field(default=None, foreign_key="member.id")
    stage: str = Field(default="draft", max_length=20)
    opened_on: date
    returns_due_on: date | None = None
    meeting_on: date | None = None
    closed_on: date | None = None
    cancelled_reason: str | None = _text()
    # The stage a cancelled review was at: an admin's reopen goes back there.
    cancelled_from: str | None = Field(default=None, max_length=20)
    period_under_review: str | None = Field(default=None, max_length=120)
    legal_hold: bool = False
    question_bank_version: str = Field(default="1", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PreAnalysisReturn(ChaseState, table=True):
    __tablename__ = "pre_analysis_return"
    __table_args__ = (UniqueConstraint("review_id", "agency_id"),)
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    status: str = Field(default="not_started", max_length=20)
    question_bank_version: str = Field(default="1", max_length=20)
    current_section: int = 0
    due_on: date | None = None
    submitted_at: datetime | None = None
    submitted_by: int | None = Field(default=None, foreign_key="member.id")
    signed_off_at: datetime | None = None
    signed_off_by: int | None = Field(default=None, foreign_key="member.id")
    # The last send-back: the lead's comments, who sent it back and when. Kept when the return
    # is submitted again, so the sign-off card can say what was asked (migration 0017).
    returned_comments: str | None = _text()
    returned_by: int | None = Field(default=None, foreign_key="member.id")
    returned_at: datetime | None = None
    # Why a chair recorded a nil return, proceeded without the agency, or removed it.
    status_note: str | None = _text()
    # When the status last changed: a nil return's lead is chased from that day.
    status_changed_at: datetime | None = None
    # Bumped on every write so a stale card can be recognised.
    revision: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReturnAssignee(SQLModel, table=True):
    __tablename__ = "return_assignee"
    return_id: int = Field(foreign_key="pre_analysis_return.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    assigned_at: datetime = Field(default_factory=utcnow)
    invited_at: datetime | None = None


class Answer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("return_id", "question_id", "episode"),)
    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="pre_analysis_return.id", index=True)
    question_id: str = Field(max_length=80)
    # Repeatable sections (key practice episodes) store one row per episode; 0 otherwise.
    episode: int = 0
    value: Any = _json(None)
    revision: int = 1
    updated_by: int | None = Field(default=None, foreign_key="member.id")
    updated_at: datetime = Field(default_factory=utcnow)
    identifier_warning_confirmed: bool = False


class ChronologyEntry(SQLModel, table=True):
    __tablename__ = "chronology_entry"
    __table_args__ = (UniqueConstraint("return_id", "sequence"),)
    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="pre_analysis_return.id", index=True)
    sequence: int
    event_date: date
    date_certainty: str = Field(default="on", max_length=20)
    end_date: date | None = None
    source: str = _text(nullable=False)
    event: str = _text(nullable=False)
    impact_on_child: str | None = _text()
    action_outcome: str | None = _text()
    key_practice_episode: bool = False
    missed_opportunity: bool = False
    missed_opportunity_reason: str | None = _text()
    themes: list[str] = _json(list)
    created_by: int | None = Field(default=None, foreign_key="member.id")
    updated_at: datetime = Field(default_factory=utcnow)


class MeetingOutcome(SQLModel, table=True):
    __tablename__ = "meeting_outcome"
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", unique=True)
    meeting_on: date | None = None
    attendees: list[dict[str, Any]] = _json(list)
    agreed_themes: list[str] = _json(list)
    learning_needs: list[str] = _json(list)
    # Action items being drafted on the outcome card; publishing turns them into action_item rows.
    draft_actions: list[dict[str, Any]] = _json(list)
    recorded_by: int | None = Field(default=None, foreign_key="member.id")
    published_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ActionItem(ChaseState, table=True):
    __tablename__ = "action_item"
    __table_args__ = (
        UniqueConstraint("review_id", "number"),
        Index("ix_action_item_owner_status", "owner_member_id", "status"),
        Index("ix_action_item_agency_status", "agency_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True)
    number: int
    reference: str = Field(max_length=30)
    description: str = _text(nullable=False)
    finding: str | None = _text()
    theme: str | None = Field(default=None, max_length=80)
    owner_member_id: int | None = Field(default=None, foreign_key="member.id")
    agency_id: int | None = Field(default=None, foreign_key="agency.id")
    agreed_on: date | None = None
    due_on: date | None = None
    revised_due_on: date | None = None
    revised_due_reason: str | None = _text()
    success_measure: str | None = _text()
    status: str = Field(default="open", max_length=20)
    blocked_reason: str | None = _text()
    cancelled_reason: str | None = _text()
    evidence_text: str | None = _text()
    evidence_link: str | None = Field(default=None, max_length=2000)
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    # When the status last changed: completed and blocked items are chased from that day.
    status_changed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProgressEntry(SQLModel, table=True):
    __tablename__ = "progress_entry"
    id: int | None = Field(default=None, primary_key=True)
    action_item_id: int = Field(foreign_key="action_item.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    kind: str = Field(max_length=30)
    note: str | None = _text()
    rag: str | None = Field(default=None, max_length=10)
    proposed_due_on: date | None = None


class ImpactRecord(SQLModel, table=True):
    __tablename__ = "impact_record"
    id: int | None = Field(default=None, primary_key=True)
    action_item_id: int = Field(foreign_key="action_item.id", index=True)
    how_much: str = _text(nullable=False)
    how_well: str = _text(nullable=False)
    better_off: str = _text(nullable=False)
    evidence: str | None = _text()
    decision: str = Field(max_length=20)
    minute_reference: str | None = Field(default=None, max_length=100)
    meeting_on: date | None = None
    recorded_by: int | None = Field(default=None, foreign_key="member.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class ChaserLog(SQLModel, table=True):
    """One row per delivery attempt (domain/chase_engine.py names the outcomes); the
    idempotency key stops a chaser known to be sent from being sent again."""

    __tablename__ = "chaser_log"
    __table_args__ = (
        UniqueConstraint("idempotency_key", "attempt"),
        # Every sweep reads the sends still `attempted` past a cutoff (`attempted_before`):
        # the outcome first, so the read goes straight to the few open rows (migration 0015).
        Index("ix_chaser_log_outcome_attempted_at", "outcome", "attempted_at"),
        # The tracker and retention read the log by the record it is about (migration 0016).
        Index("ix_chaser_log_subject_type_subject_id", "subject_type", "subject_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    subject_type: str = Field(max_length=30)
    subject_id: int
    chaser_number: int
    idempotency_key: str = Field(max_length=120)
    attempt: int = 1
    kind: str = Field(max_length=30)
    recipient: str = Field(max_length=120)
    attempted_at: datetime = Field(default_factory=utcnow)
    outcome: str = Field(max_length=30)
    status_code: int | None = None
    detail: str | None = Field(default=None, max_length=500)
    # A resend after an unknown outcome: the recipient may have had this chaser twice.
    possibly_repeated: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class SevenMinuteGuide(SQLModel, table=True):
    __tablename__ = "seven_minute_guide"
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", unique=True)
    sections: list[dict[str, Any]] = _json(list)
    published: bool = False  # some version is published (guide_version holds each one)
    published_at: datetime | None = None
    edited_by: int | None = Field(default=None, foreign_key="member.id")
    updated_at: datetime = Field(default_factory=utcnow)
    # The working copy's state (domain.guide.GuideState): draft, awaiting approval, published.
    state: str = Field(default="draft", max_length=20, sa_column_kwargs={"server_default": "draft"})
    submitted_by: int | None = Field(default=None, foreign_key="member.id")
    submitted_at: datetime | None = None
    # Members who changed the working copy's text since its last version (none may approve it).
    editors: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The approver's reason when they sent it back, for the chair; cleared when it is resent.
    sent_back_note: str | None = _text()


class GuideVersion(SQLModel, table=True):
    """Each approved, published version of a guide, kept whole: a re-publish adds a row."""

    __tablename__ = "guide_version"
    __table_args__ = (UniqueConstraint("guide_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    guide_id: int = Field(foreign_key="seven_minute_guide.id", index=True)
    version: int
    sections: list[dict[str, Any]] = _json(list)
    submitted_by: int | None = Field(default=None, foreign_key="member.id")
    approved_by: int | None = Field(default=None, foreign_key="member.id")
    approver: str = Field(max_length=60)  # as the document says it: "the LIC group"
    approved_at: datetime = Field(default_factory=utcnow)


class DisseminationReturn(SQLModel, table=True):
    __tablename__ = "dissemination_return"
    id: int | None = Field(default=None, primary_key=True)
    guide_id: int = Field(foreign_key="seven_minute_guide.id", index=True)
    team: str = Field(max_length=200)
    used_on: date
    staff_count: int
    reflections: str | None = _text()
    recorded_by: int | None = Field(default=None, foreign_key="member.id")
    recorded_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Append-only: the application inserts rows and never updates or deletes them."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_record", "record_type", "record_id"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int | None = Field(default=None, foreign_key="partnership.id", index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_aad_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=60)
    record_type: str = Field(max_length=40)
    record_id: str = Field(max_length=60)
    before: dict[str, Any] | None = _json(None)
    after: dict[str, Any] | None = _json(None)


class DeletionLog(SQLModel, table=True):
    """What retention removed, without the removed content."""

    __tablename__ = "deletion_log"
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    record_type: str = Field(max_length=40)
    record_id: str = Field(max_length=60)
    rule: str = Field(max_length=200)


class ExportFile(SQLModel, table=True):
    """A generated document waiting for its recipient (Teams file consent, or a local path)."""

    __tablename__ = "export_file"
    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    partnership_id: int = Field(foreign_key="partnership.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=40)
    filename: str = Field(max_length=200)
    path: str = Field(max_length=1000)
    size_bytes: int
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class IdempotencyRecord(SQLModel, table=True):
    """One click (a card's token and verb) or one delivered activity, claimed before its
    handler runs: a duplicate gets the stored reply instead of a second effect. Kept briefly
    (retention), since duplicates arrive within seconds; the reply is the card the first
    click was answered with."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("partnership_id", "token"),)
    id: int | None = Field(default=None, primary_key=True)
    partnership_id: int = Field(foreign_key="partnership.id")
    # Not a foreign key: a record outlives nothing, and must never block a member's removal.
    member_id: int
    token: str = Field(max_length=120)
    verb: str = Field(max_length=64)
    state: str = Field(default="pending", max_length=10)
    reply: dict[str, Any] | None = _json(None)
    created_at: datetime = Field(default_factory=utcnow, index=True)


def core(model: type[SQLModel]) -> Table:
    """The Core table behind a model, for the prebuilt statements of hot paths
    (docs/architecture.md §7):
    building a statement costs more than running it, so those are built once at import."""
    table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass
    assert isinstance(table, Table)
    return table


def comma_list(column: ColumnElement[Any]) -> ColumnElement[str]:
    """`column`'s values as "a,b,c" (group_concat, string_agg). The comma is written into the
    SQL: as a parameter it is a literal-execute bind, re-rendered on every execution."""
    separator: Any = literal_column("','")  # typed as str, but any SQL expression will do
    return func.aggregate_strings(column, separator)


def comma_items(value: str | None) -> list[str]:
    """The values of a comma_list (NULL when there were none)."""
    return [item for item in (value or "").split(",") if item]
