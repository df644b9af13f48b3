"""Views of reviews, returns and chronology entries, and the repositories that hold them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from domain.guide import GuideState
from domain.model import ConversationAddress, DateCertainty, ReturnStatus, ReviewStage
from domain.return_state import WRITABLE
from domain.reviews import NewReview, ReviewAccess


@dataclass(frozen=True)
class ReviewView:
    id: int
    partnership_id: int
    reference: str
    pseudonym: str
    reason: str
    chair_member_id: int | None
    stage: ReviewStage
    opened_on: date
    returns_due_on: date | None
    meeting_on: date | None
    deputy_chair_member_id: int | None = None
    period_under_review: str | None = None
    cancelled_reason: str | None = None
    cancelled_from: ReviewStage | None = None
    closed_on: date | None = None  # the day its last action item was settled

    def chaired_by(self, member_id: int) -> bool:
        """The chair or the deputy chair: both hold the review's controls."""
        return member_id in (self.chair_member_id, self.deputy_chair_member_id)


@dataclass(frozen=True)
class ReviewProgress:
    review: ReviewView
    returns_total: int
    returns_submitted: int
    returns_signed_off: int
    # The due dates of the returns still with the practitioners (not started, in progress,
    # returned), each its own (an extension moves one agency's): a nil return, one proceeded
    # without, or one waiting for its lead is not outstanding. None: no date of its own.
    outstanding_due_on: tuple[date | None, ...] = ()
    # Settled without a return: a confirmed nil return, or one the meeting goes ahead without.
    returns_decided: int = 0

    @property
    def returns_outstanding(self) -> int:
        return len(self.outstanding_due_on)


@dataclass(frozen=True)
class SentBack:
    """A return's last send-back: the lead's comments, who sent it back and when (None for
    one sent back before migration 0017 recorded them). Kept when the return is submitted
    again, so the lead signing it off can see what they asked for."""

    comments: str
    by: int | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class ReturnView:
    id: int
    partnership_id: int
    review_id: int
    reference: str
    pseudonym: str
    review_stage: ReviewStage
    chair_member_id: int | None
    agency_id: int
    agency_name: str
    status: ReturnStatus
    due_on: date | None
    current_section: int
    bank_version: str
    assignee_ids: frozenset[int]
    submitted_at: datetime | None
    status_note: str | None = None
    deputy_chair_member_id: int | None = None
    status_changed_at: datetime | None = None  # when it entered its status (if known)
    sent_back: SentBack | None = None  # the last send-back, kept past a resubmission

    @property
    def returned_comments(self) -> str | None:
        """The lead's comments still to act on: those of the last send-back while the return
        is with its writers (a submit answers them; they stay in `sent_back` for the lead)."""
        if self.sent_back is None or self.status not in WRITABLE:
            return None
        return self.sent_back.comments


@dataclass(frozen=True)
class StoredAnswer:
    question_id: str
    episode: int
    value: Any
    revision: int
    updated_by: int | None
    updated_by_name: str | None
    confirmed: bool
    # The stored row's id (None for an answer just written): what names a key practice
    # episode stably (domain/returns.py EpisodeSummary.key).
    answer_id: int | None = None
    # When it was last saved (None for an answer just written): what a colleague whose save
    # it refused is told (domain/stale.py).
    updated_at: datetime | None = None


AnswerKey = tuple[str, int]


@dataclass(frozen=True)
class EntryInput:
    """A validated chronology entry, ready to store."""

    event_date: date
    date_certainty: DateCertainty
    end_date: date | None
    source: str
    event: str
    impact_on_child: str | None
    action_outcome: str | None
    key_practice_episode: bool
    missed_opportunity: bool
    missed_opportunity_reason: str | None
    themes: tuple[str, ...]


@dataclass(frozen=True)
class ChronologyView:
    id: int
    sequence: int
    entry: EntryInput


@dataclass(frozen=True)
class Recipient:
    """Someone the bot may message proactively."""

    member_id: int
    display_name: str
    aad_object_id: str | None
    tenant_id: str
    address: ConversationAddress | None
    unreachable: bool
    # Where to open a first chat with someone the bot has no address for: the service URL
    # another member of the partnership was last reached at (Teams serves a tenant from one).
    service_url_hint: str = ""
    # False once an admin ended their access: nothing proactive goes to them (bot/outbound.py).
    active: bool = True


class ReviewRepository(Protocol):
    def agency_choices(self, partnership_id: int) -> list[tuple[int, str]]: ...

    def next_sequence(self, partnership_id: int, year: int) -> int: ...

    def create(
        self,
        partnership_id: int,
        reference: tuple[int, int],
        new: NewReview,
        chair_member_id: int,
        opened_on: date,
        bank_version: str,
    ) -> ReviewView: ...

    def get(self, partnership_id: int, review_id: int) -> ReviewView | None: ...

    def by_reference(self, partnership_id: int, year: int, sequence: int) -> ReviewView | None: ...

    def access(self, review_id: int) -> ReviewAccess: ...

    def with_progress(
        self, partnership_id: int, stages: frozenset[ReviewStage]
    ) -> list[ReviewProgress]: ...

    def set_stage(
        self,
        review_id: int,
        stage: ReviewStage,
        expected: Collection[ReviewStage],
        closed_on: date | None = None,
    ) -> bool:
        """Move the review to `stage` only while it is at one of `expected`: False when a
        racing request moved it first (then nothing is written). Closing needs `closed_on`,
        the services clock's day, so the record agrees with the turn that closed it."""
        ...

    def lock(self, review_id: int) -> None:
        """Hold the review until the transaction ends, so racing changes to it queue."""
        ...

    def returns(self, review_id: int) -> list[ReturnView]: ...

    def returns_on(self, review_ids: Collection[int]) -> list[ReturnView]:
        """`returns` of several reviews, in one query."""
        ...

    def assignable_members(self, partnership_id: int) -> list[tuple[str, str, int | None]]:
        """(AAD object id, display name, agency id) of everyone who could complete a return."""
        ...

    def update_review(self, review_id: int, fields: Mapping[str, Any]) -> None:
        """Set these review columns (pseudonym, reason, dates, deputy, cancellation)."""
        ...

    def withdrawn_return(self, review_id: int, agency_id: int) -> int | None:
        """The id of this agency's removed return on the review, if it was ever on it."""
        ...

    def add_return(
        self, review_id: int, agency_id: int, due_on: date | None, bank_version: str
    ) -> int: ...

    def chairs(self, partnership_id: int) -> list[tuple[int, str]]:
        """(member id, name) of the active members holding the chair role."""
        ...

    def action_ids(self, review_id: int) -> list[int]:
        """The review's action items (their chasers stop when it is cancelled)."""
        ...


class ReturnRepository(Protocol):
    def get(self, return_id: int) -> ReturnView | None: ...

    def lock(self, return_id: int) -> None:
        """Hold the return until the transaction ends. Hold its review first: domain/holds.py."""
        ...

    def for_member(self, member_id: int) -> list[ReturnView]: ...

    def awaiting_lead(self, partnership_id: int, agency_ids: Collection[int]) -> list[ReturnView]:
        """These agencies' returns in the partnership's reviews waiting for a safeguarding
        lead: submitted (to sign off) or a nil return the chair recorded (to confirm)."""
        ...

    def assign(self, return_id: int, member_ids: Sequence[int]) -> list[int]:
        """Add assignees; return the ids that were newly assigned."""
        ...

    def unassign(self, return_id: int, member_ids: Sequence[int]) -> None:
        """Take these assignees off the return: they lose access to its draft."""
        ...

    def answers(self, return_id: int) -> dict[AnswerKey, StoredAnswer]: ...

    def save_answer(
        self,
        return_id: int,
        key: AnswerKey,
        value: Any,
        member_id: int,
        confirmed: bool,
        *,
        revision: int,
    ) -> StoredAnswer | None:
        """Write one answer if it is still at `revision` (0: not there yet): optimistic
        locking, so a colleague's concurrent save is never overwritten. None if it moved."""
        ...

    def delete_answer(self, return_id: int, key: AnswerKey, *, revision: int) -> bool:
        """Delete one answer if it is still at `revision`; False if it moved or is gone."""
        ...

    def update(self, return_id: int, fields: Mapping[str, Any]) -> None: ...

    def transition(
        self,
        return_id: int,
        expected: Collection[ReturnStatus],
        fields: Mapping[str, Any],
        *,
        at: datetime,
    ) -> bool:
        """Write `fields` (with the new status) only while the return's status is one of
        `expected`: False when a racing request moved it first (then nothing is written).
        A new status is stamped `at`, the turn's moment (the services clock)."""
        ...

    def entries(self, return_id: int) -> list[ChronologyView]: ...

    def add_entry(self, return_id: int, entry: EntryInput, member_id: int) -> ChronologyView: ...

    def update_entry(self, return_id: int, entry_id: int, entry: EntryInput) -> bool: ...

    def delete_entry(self, return_id: int, entry_id: int) -> bool: ...

    def agency_lead_ids(self, agency_id: int) -> list[int]: ...

    def recipients(self, member_ids: Sequence[int]) -> list[Recipient]: ...


@dataclass(frozen=True)
class OutcomeRecord:
    review_id: int
    attendees: Mapping[str, str]
    agreed_themes: tuple[str, ...]
    learning_needs: tuple[str, ...]
    draft_actions: tuple[dict[str, Any], ...]
    published_at: datetime | None
    held_on: date | None = None  # the day the meeting was held, as the chair recorded it


@dataclass(frozen=True)
class NewActionItem:
    number: int
    reference: str
    description: str
    theme: str | None
    owner_member_id: int | None
    agency_id: int | None
    agreed_on: date
    due_on: date | None
    success_measure: str | None
    finding: str | None = None  # the finding or learning statement it answers


@dataclass(frozen=True)
class ActionView:
    id: int
    review_id: int
    reference: str
    description: str
    theme: str | None
    owner_member_id: int | None
    owner_name: str | None
    agency_name: str | None
    due_on: date | None
    success_measure: str | None
    status: str


@dataclass(frozen=True)
class GuideVersion:
    """One published version of a guide, as it was approved."""

    version: int
    parts: tuple[str, ...]
    approved_by: str | None  # the approver's name, for the chair's card
    approver: str  # who approved, as the shared document says it ("the LIC group")
    approved_at: datetime


@dataclass(frozen=True)
class GuideRecord:
    id: int
    review_id: int
    parts: tuple[str, ...]  # the working copy: the draft, or the published text
    published: bool  # some version is published
    usage_count: int
    state: GuideState = GuideState.DRAFT
    submitted_by: int | None = None
    versions: tuple[GuideVersion, ...] = ()  # oldest first
    # Who changed the working copy's text since its last version: none of them may approve it.
    editors: frozenset[int] = frozenset()
    sent_back_note: str | None = None  # the approver's reason, until it is sent again

    @property
    def latest(self) -> GuideVersion | None:
        return self.versions[-1] if self.versions else None


class OutcomeRepository(Protocol):
    def get(self, review_id: int) -> OutcomeRecord | None: ...

    def save(
        self,
        review_id: int,
        attendees: Mapping[str, str],
        themes: Sequence[str],
        needs: Sequence[str],
        drafts: Sequence[dict[str, Any]],
        member_id: int,
    ) -> None: ...

    def set_held_on(self, review_id: int, held_on: date) -> None:
        """The day the meeting was held (the outcome row exists: `save` comes first)."""
        ...

    def mark_published(self, review_id: int, at: datetime) -> None: ...

    def create_actions(
        self, review_id: int, items: Sequence[NewActionItem]
    ) -> list[ActionView]: ...

    def actions(self, review_id: int) -> list[ActionView]: ...

    def contributors(self, review_id: int) -> list[int]:
        """Members assigned to a return of this review that reached the partnership."""
        ...

    def guide(self, review_id: int) -> GuideRecord | None: ...

    def save_guide(self, review_id: int, parts: Sequence[str], member_id: int) -> GuideRecord:
        """The working copy's text; a member who changes it (not the first draft) is kept
        among its editors until the next version is approved."""
        ...

    def move_guide(
        self,
        guide_id: int,
        source: GuideState,
        target: GuideState,
        submitted_by: int | None,
        at: datetime,
        note: str | None = None,
    ) -> bool:
        """Move the working copy from `source` to `target`, only while it is still at `source`
        (racing clicks: one wins); whether it moved. A send-back keeps `note`; sending it again
        clears it; an approval starts the next version with no editors."""
        ...

    def hold_guide(self, guide_id: int) -> None:
        """Hold the guide's row until the transaction ends: an approval waits for an edit in
        flight, then reads what it committed."""
        ...

    def add_version(
        self,
        guide_id: int,
        version: GuideVersion,
        submitted_by: int | None,
        approved_by: int,
    ) -> bool:
        """Keep a published version; False when that version number is already taken."""
        ...

    def add_usage(
        self,
        guide_id: int,
        team: str,
        used_on: date,
        staff_count: int,
        reflections: str | None,
        member_id: int,
    ) -> None: ...

    def channel(self, partnership_id: int, purpose: str) -> ConversationAddress | None: ...

    def register_channel(
        self,
        partnership_id: int,
        purpose: str,
        address: ConversationAddress,
        names: tuple[str | None, str | None],
        member_id: int,
    ) -> None: ...


@dataclass(frozen=True)
class ExportRecord:
    id: int
    token: str
    member_id: int
    kind: str
    filename: str
    path: str


class ExportRepository(Protocol):
    def add(
        self,
        partnership_id: int,
        member_id: int,
        token: str,
        kind: str,
        filename: str,
        path: str,
        size: int,
    ) -> None: ...

    def by_token(self, token: str) -> ExportRecord | None: ...

    def mark_delivered(self, export_id: int, at: datetime) -> None: ...
