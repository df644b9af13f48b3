"""The audit trail of one review, for admins (`audit LOS-2026-004`): every event about the
review's own records (the review, its returns, chronology entries, action items, guide and the
files exported from it), newest first, a page at a time or whole as CSV.

Reading the trail is itself a view of sensitive records, so opening it and exporting it are
audited too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from domain import audit
from domain.capabilities import require
from domain.errors import NotFound
from domain.model import Actor, MemberView, Role
from domain.questions import default_question_bank, default_themes
from domain.repositories import UnitOfWork
from domain.review_flow import named_review
from domain.reviews import format_reference, parse_reference

PAGE_SIZE = 12
EXPORT_MAX_ROWS = 100_000


@dataclass(frozen=True)
class TrailSubjects:
    """The records that belong to one review, by audit record type."""

    review_id: int
    reference: str
    pseudonym: str
    return_ids: tuple[int, ...]
    entry_ids: tuple[int, ...]
    action_ids: tuple[int, ...]
    guide_ids: tuple[int, ...]
    deleted: bool = False

    @property
    def key(self) -> int | str:
        """What a card button carries to name this review again (a deleted one has no row)."""
        return self.reference if self.deleted else self.review_id


@dataclass(frozen=True)
class TrailEvent:
    id: int
    at: datetime
    actor_aad_id: str | None
    actor_name: str | None
    action: str
    record_type: str
    record_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True)
class TrailNames:
    """What the trail's ids are called: each return by its agency, each action item by its
    number, members and agencies by name, and the question bank's labels by question id."""

    returns: Mapping[int, str] = field(default_factory=dict)  # return id -> agency name
    actions: Mapping[int, int] = field(default_factory=dict)  # action item id -> its number
    members: Mapping[int, str] = field(default_factory=dict)  # member id -> display name
    agencies: Mapping[int, str] = field(default_factory=dict)  # agency id -> name
    labels: Mapping[str, str] = field(default_factory=dict)  # question id -> label
    themes: Mapping[str, str] = field(default_factory=dict)  # theme slug -> label


@dataclass(frozen=True)
class TrailPage:
    subjects: TrailSubjects
    events: tuple[TrailEvent, ...]
    page: int
    pages: int
    total: int
    names: TrailNames = TrailNames()


class AuditTrailRepository(Protocol):
    def subjects(self, partnership_id: int, review_id: int) -> TrailSubjects | None: ...

    def deleted_subjects(self, partnership_id: int, reference: str) -> TrailSubjects | None:
        """A review retention has deleted, from the deletion log (its trail outlives it)."""
        ...

    def count(self, partnership_id: int, subjects: TrailSubjects) -> int: ...

    def names(self, partnership_id: int, subjects: TrailSubjects) -> TrailNames:
        """What the review's returns, action items, and the partnership's members and
        agencies are called (a deleted review's returns and items have no names left)."""
        ...

    def events(
        self, partnership_id: int, subjects: TrailSubjects, offset: int, limit: int
    ) -> list[TrailEvent]:
        """Newest first."""
        ...

    def latest(
        self, record_type: str, record_id: str, actions: Collection[str]
    ) -> tuple[str | None, datetime] | None:
        """The newest of these actions on the record: who did it (their name), and when."""
        ...

    def last_change(
        self, partnership_id: int, record_type: str, record_id: str, actions: Collection[str]
    ) -> TrailEvent | None:
        """The newest of these actions on the partnership's record, with who did it (their
        name): what a stale click is told changed (domain/stale.py)."""
        ...


def find_subjects(uow: UnitOfWork, member: MemberView, raw: object) -> TrailSubjects:
    """The review named by card data (an id) or typed text (a reference), in the admin's own
    partnership only. A review retention has deleted is found by its reference."""
    require(member, Role.ADMIN)
    repo, partnership = uow.audit_trail, member.partnership_id
    found: TrailSubjects | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        found = repo.subjects(partnership, raw)
    elif isinstance(raw, str):
        review = named_review(uow, member, raw)  # a reference, or a pseudonym as typed
        parsed = parse_reference(raw)
        if review is not None:
            found = repo.subjects(partnership, review.id)
        elif parsed is not None:
            found = repo.deleted_subjects(partnership, format_reference(*parsed))
    if found is None:
        raise NotFound(
            "I can't find that review in your partnership. For example: audit LOS-2026-004."
        )
    return found


def trail_page(
    uow: UnitOfWork, actor: Actor, member: MemberView, raw_review: object, page: object
) -> TrailPage:
    subjects = find_subjects(uow, member, raw_review)
    wanted = page if isinstance(page, int) and not isinstance(page, bool) else 1
    if wanted <= 1:
        # Opening the trail is recorded; turning its pages is not (it would push rows along).
        audit.record(
            uow, member.partnership_id, actor, "audit.viewed", ("review", subjects.review_id)
        )
    repo = uow.audit_trail
    total = repo.count(member.partnership_id, subjects)
    pages = max(1, -(-total // PAGE_SIZE))
    current = min(max(wanted, 1), pages)
    events = repo.events(member.partnership_id, subjects, (current - 1) * PAGE_SIZE, PAGE_SIZE)
    names = _with_labels(repo.names(member.partnership_id, subjects))
    return TrailPage(subjects, tuple(events), current, pages, total, names)


def whole_trail(
    uow: UnitOfWork, actor: Actor, member: MemberView, raw_review: object
) -> tuple[TrailSubjects, list[TrailEvent], TrailNames]:
    """Every event (bounded), oldest first, for the CSV export; the export is audited."""
    subjects = find_subjects(uow, member, raw_review)
    audit.record(
        uow, member.partnership_id, actor, "audit.exported", ("review", subjects.review_id)
    )
    events = uow.audit_trail.events(member.partnership_id, subjects, 0, EXPORT_MAX_ROWS)
    names = _with_labels(uow.audit_trail.names(member.partnership_id, subjects))
    return subjects, list(reversed(events)), names


def _with_labels(names: TrailNames) -> TrailNames:
    """The question bank's labels, to name the answers an event saved, and the themes'."""
    bank = default_question_bank()
    labels = {q.id: q.label for section in bank.sections for q in section.questions}
    themes = {theme.slug: theme.label for theme in default_themes()}
    return replace(names, labels=labels, themes=themes)
