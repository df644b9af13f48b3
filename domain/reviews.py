"""Opening a review: its reference, its creation form, and who may see it."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from domain.calendar import default_meeting_due, default_returns_due
from domain.errors import FormInvalid, field_error
from domain.identifiers import describe_findings, find_identifiers, findings_phrase
from domain.model import MemberView, ReviewStage, Role, small_int

PSEUDONYM_MAX = 60
REASON_MAX = 2000
_REFERENCE = re.compile(r"^(?:los)?[\s\-/]*(\d{4})[\s\-/]+(\d{1,4})$", re.IGNORECASE)
OPEN_STAGES = frozenset(set(ReviewStage) - {ReviewStage.CLOSED, ReviewStage.CANCELLED})
# Stages a review reaches only after its meeting was held and its outcome published.
HELD_STAGES = frozenset({ReviewStage.ACTIONS_OPEN, ReviewStage.CLOSED})


def meeting_held_on(
    stage: ReviewStage, planned_on: date | None, held_on: date | None
) -> date | None:
    """The day the meeting was held, once it has been: the day the outcome records (the
    planned day only for an outcome that recorded none); None before it is held."""
    return (held_on or planned_on) if stage in HELD_STAGES else None


def format_reference(year: int, sequence: int) -> str:
    return f"LOS-{year}-{sequence:03d}"


def parse_reference(text: str) -> tuple[int, int] | None:
    """Tolerant: 'LOS-2026-004', 'los 2026 4', '2026-004' and '2026/4' all name one review."""
    match = _REFERENCE.match(text.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


# A reference written out with its prefix, anywhere in a message ("pack LOS-2026-001 please");
# without the prefix, "2026-12" in "dashboard 2026-12-01" would be a review too.
_MENTIONED = re.compile(r"\blos[\s\-/]*(\d{4})[\s\-/]+(\d{1,4})\b", re.IGNORECASE)


def mentioned_reference(text: str) -> tuple[int, int] | None:
    """The first review reference in `text` written with its LOS prefix, in any spelling."""
    match = _MENTIONED.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def not_visible(text: str) -> str:
    """A review typed that can't be found among those the member may see. Only a reference
    is said back, as the bot writes it; other text (a pseudonym, or a real name typed by
    mistake) is never repeated."""
    parsed = parse_reference(text)
    named = (
        f"a review called {format_reference(*parsed)} that you can see"
        if parsed
        else "that review among the ones you can see"
    )
    return (
        f"I can't find {named}. Type reviews to list them, or ask your partnership admin if "
        "you should have access."
    )


@dataclass(frozen=True)
class NewReview:
    pseudonym: str
    reason: str
    agency_ids: tuple[int, ...]
    returns_due_on: date
    meeting_on: date


@dataclass(frozen=True)
class ReviewDefaults:
    returns_due_on: date
    meeting_on: date


def defaults(today: date) -> ReviewDefaults:
    """Returns in 15 working days and the meeting in 30 (docs/practice.md: a typical set-up)."""
    return ReviewDefaults(default_returns_due(today), default_meeting_due(today))


def validate_new_review(
    data: Mapping[str, object], known_agency_ids: Collection[int], today: date
) -> NewReview:
    """Check the creation card's inputs (untrusted) and return a clean NewReview."""
    errors: dict[str, str] = {}
    pseudonym = _text(data.get("pseudonym"), "pseudonym", "Pseudonym", PSEUDONYM_MAX, errors)
    reason = _text(data.get("reason"), "reason", "Reason for review", REASON_MAX, errors)
    agencies = _agency_ids(data.get("agencies"), known_agency_ids, errors)
    due = _date(data.get("returns_due_on"), "returns_due_on", "Returns due", errors)
    meeting = _date(data.get("meeting_on"), "meeting_on", "Meeting date", errors)
    _check_identifiers({"pseudonym": pseudonym, "reason": reason}, errors)
    if due and due < today:
        errors["returns_due_on"] = "The returns due date can't be in the past."
    if due and meeting and meeting < due:
        errors["meeting_on"] = "The meeting should be on or after the returns due date."
    if errors or not (pseudonym and reason and due and meeting):
        raise FormInvalid(errors)
    return NewReview(pseudonym, reason, agencies, due, meeting)


PERIOD_MAX = 120


@dataclass(frozen=True)
class ReviewDetails:
    """What a chair may edit on an open review."""

    pseudonym: str
    reason: str
    period_under_review: str | None
    meeting_on: date


def validate_details(data: Mapping[str, object], returns_due_on: date | None) -> ReviewDetails:
    """The edit card's inputs, checked as at creation: the identifier guard refuses."""
    errors: dict[str, str] = {}
    pseudonym = _text(data.get("pseudonym"), "pseudonym", "Pseudonym", PSEUDONYM_MAX, errors)
    reason = _text(data.get("reason"), "reason", "Reason for review", REASON_MAX, errors)
    raw_period = data.get("period_under_review")
    period = raw_period.strip() if isinstance(raw_period, str) else ""
    if len(period) > PERIOD_MAX:
        errors["period_under_review"] = (
            f"The period is {len(period):,} characters; the limit is {PERIOD_MAX}."
        )
    meeting = _date(data.get("meeting_on"), "meeting_on", "Meeting date", errors)
    texts = {"pseudonym": pseudonym, "reason": reason, "period_under_review": period}
    _check_identifiers(texts, errors)
    if meeting and returns_due_on and meeting < returns_due_on:
        errors["meeting_on"] = "The meeting should be on or after the returns due date."
    if errors or not (pseudonym and reason and meeting):
        raise FormInvalid(errors)
    return ReviewDetails(pseudonym, reason, period or None, meeting)


def required_reason(
    raw: object, what: str, limit: int = REASON_MAX, *, not_about_a_child: str | None = None
) -> str:
    """A chair's 'why' for a control (cancel, remove, nil, proceed): needed, bounded, and
    free of identifiers, like the review's own reason. A reason that is not about a review
    (an admin's, about a member of staff) passes `not_about_a_child`: what to write instead,
    said after the box's name and what was found, never "use the pseudonym"."""
    errors: dict[str, str] = {}
    text = _text(raw, "reason", what, limit, errors)
    if text and not_about_a_child is not None:
        findings = find_identifiers(text)
        if findings:
            errors["reason"] = field_error(
                what, f" looks as if it contains {findings_phrase(findings)}. {not_about_a_child}"
            )
    elif text:
        _check_identifiers({"reason": text}, errors)
    if errors:
        raise FormInvalid(errors)
    return text


def _text(raw: object, key: str, label: str, limit: int, errors: dict[str, str]) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        errors[key] = field_error(label, " is required.")
    elif len(text) > limit:
        errors[key] = field_error(label, f" is {len(text):,} characters; the limit is {limit:,}.")
    return text


def _agency_ids(raw: object, known: Collection[int], errors: dict[str, str]) -> tuple[int, ...]:
    # Teams sends a multi-select as one comma-separated string of the choice values.
    parts = raw.split(",") if isinstance(raw, str) else []
    ids: list[int] = []
    for part in parts:
        number = small_int(part)
        if number is not None and number in known and number not in ids:
            ids.append(number)
        elif part.strip():
            errors["agencies"] = "One of the agencies chosen is not in this partnership."
    if not ids and "agencies" not in errors:
        errors["agencies"] = "Choose at least one agency."
    return tuple(ids)


def _date(raw: object, key: str, label: str, errors: dict[str, str]) -> date | None:
    if not isinstance(raw, str) or not raw.strip():
        errors[key] = field_error(label, " is required.")
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        errors[key] = field_error(label, " must be a date like 2026-12-14.")
        return None


def _check_identifiers(texts: Mapping[str, str], errors: dict[str, str]) -> None:
    # A review is known by pseudonym: refuse, rather than warn, when its own fields identify.
    # The warning already asks for the pseudonym (walk13: "Use the pseudonym only." repeated
    # it); what is added is that there is no "none of this is identifying" box here.
    for key, text in texts.items():
        findings = find_identifiers(text)
        if findings and key not in errors:
            errors[key] = describe_findings(findings) + REVIEW_DETAILS_REFUSED


# A review's details head every card and document, and a chair's reason is read by every
# agency: no override, unlike the boxes that warn.
REVIEW_DETAILS_REFUSED: Final = " This box is never saved with them."


def may_open_reviews(member: MemberView) -> bool:
    return member.has(Role.CHAIR, Role.ADMIN)


@dataclass(frozen=True)
class ReviewAccess:
    """The facts about one review that decide who may see it."""

    chair_member_id: int | None
    agency_ids: frozenset[int]
    assignee_member_ids: frozenset[int]
    deputy_chair_member_id: int | None = None


def may_see_review(member: MemberView, access: ReviewAccess) -> bool:
    """Chairs and admins see every review; others see reviews involving them or their agency.
    A removed agency and a replaced practitioner are no longer involved (storage leaves them
    out of `access`)."""
    if member.has(Role.ADMIN, Role.CHAIR) or member.id in (
        access.chair_member_id,
        access.deputy_chair_member_id,
    ):
        return True
    if member.id in access.assignee_member_ids:
        return True
    if any(member.leads(agency_id) for agency_id in access.agency_ids):
        return True
    return member.agency_id in access.agency_ids and member.has(Role.MANAGER)


def may_read_published_briefing(
    member: MemberView, access: ReviewAccess, *, in_partnership_channel: bool = False
) -> bool:
    """Who may read a review's published 7-minute briefing and record that their team used
    it: anyone who may see the review; the LIC group, which approves every review's briefing;
    and, acting in the partnership channel (where each published briefing is posted for every
    team), anyone there. That the turn is in the channel comes from the activity Teams sends,
    never from card data. Drafts stay with those who draft and approve them (not decided
    here)."""
    return in_partnership_channel or member.has(Role.LIC_MEMBER) or may_see_review(member, access)
