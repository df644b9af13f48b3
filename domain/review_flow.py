"""Opening a review, assigning practitioners, and listing reviews for a member."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from domain import audit
from domain.capabilities import require
from domain.commands import has_words
from domain.errors import FormInvalid, NotFound
from domain.holds import hold_writers_of
from domain.members import ended_choice
from domain.model import (
    Actor,
    MemberView,
    ReturnStatus,
    ReviewStage,
    Role,
    is_directory_id,
    is_guid,
    small_int,
)
from domain.phrasing import looks_like_review, match_review, which_review
from domain.questions import default_question_bank
from domain.records import ReturnView, ReviewProgress, ReviewView
from domain.repositories import UnitOfWork
from domain.return_state import WRITABLE, return_status_label
from domain.reviews import (
    OPEN_STAGES,
    may_see_review,
    not_visible,
    parse_reference,
    validate_new_review,
)
from domain.scope import scope_for
from domain.status_words import state_label
from domain.transitions import move_review

MAX_ASSIGNEES_PER_AGENCY = 5


def create_review(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], today: date
) -> ReviewView:
    require(member, Role.CHAIR, Role.ADMIN)
    agencies = dict(uow.reviews.agency_choices(member.partnership_id))
    new = validate_new_review(data, agencies, today)
    sequence = uow.reviews.next_sequence(member.partnership_id, today.year)
    review = uow.reviews.create(
        member.partnership_id,
        (today.year, sequence),
        new,
        member.id,
        today,
        default_question_bank().version,
    )
    audit.record(
        uow,
        member.partnership_id,
        actor,
        "review.created",
        ("review", review.id),
        after={
            "reference": review.reference,
            "agencies": list(new.agency_ids),
            "returns_due_on": str(new.returns_due_on),
        },
    )
    return review


def chaired_review(uow: UnitOfWork, member: MemberView, review_id: object) -> ReviewView:
    """A review the member chairs or deputy-chairs (or, as admin, runs); card ids are checked,
    never trusted."""
    require(member, Role.CHAIR, Role.ADMIN)
    shown = small_int(review_id)
    review = uow.reviews.get(member.partnership_id, shown) if shown is not None else None
    if review is None:
        raise NotFound("I can't find that review in your partnership.")
    if not review.chaired_by(member.id) and not member.has(Role.ADMIN):
        raise NotFound("That review has another chair; only they (or an admin) can do this.")
    return review


def held_review(uow: UnitOfWork, member: MemberView, review_id: object) -> ReviewView:
    """`chaired_review`, held until the transaction ends: changes racing on one review queue,
    and each reads (and checks against) what the one before it committed."""
    review = chaired_review(uow, member, review_id)
    uow.reviews.lock(review.id)
    return chaired_review(uow, member, review.id)


@dataclass(frozen=True)
class Assignment:
    review: ReviewView
    invited: tuple[tuple[int, ReturnView], ...]


def assign(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object]
) -> Assignment:
    """Assign practitioners per agency from the assignment card, and open the review."""
    review = held_review(uow, member, data.get("review_id"))
    if review.stage not in (ReviewStage.DRAFT, ReviewStage.PRE_ANALYSIS):
        raise FormInvalid(
            {"review": f"{review.reference} is past pre-analysis; assignments are closed."}
        )
    # Each return held after the review before its writers change (domain/holds.py).
    hold_writers_of(uow, [r.id for r in uow.reviews.returns(review.id)])
    returns = uow.reviews.returns(review.id)
    # Who wrote them before, for the audit trail's words: none is the first assignment.
    writing = [[m, r.id] for r in returns for m in sorted(r.assignee_ids)]
    errors: dict[str, str] = {}
    invited: list[tuple[int, ReturnView]] = []
    for ret in returns:
        chosen = chosen_ids(data.get(f"assignees_{ret.agency_id}"), ret, errors)
        members = resolve_members(uow, member, chosen, ret)
        for new_id in uow.returns.assign(ret.id, members):
            invited.append((new_id, ret))
    if errors:
        raise FormInvalid(errors)
    if not invited and not any(r.assignee_ids for r in returns):
        raise FormInvalid({"review": "Choose at least one practitioner."})
    if review.stage is ReviewStage.DRAFT:
        target = move_review(review.stage, ReviewStage.PRE_ANALYSIS)
        uow.reviews.set_stage(review.id, target, {review.stage})
    if invited:  # none are new when a racing assignment (or this card, sent again) made them
        audit.record(
            uow,
            member.partnership_id,
            actor,
            "review.assigned",
            ("review", review.id),
            before={"assignees": writing} if writing else None,
            after={"assigned": [[m, r.id] for m, r in invited]},
        )
    return Assignment(uow.reviews.get(member.partnership_id, review.id) or review, tuple(invited))


def chosen_ids(raw: object, ret: ReturnView, errors: dict[str, str]) -> list[str]:
    # A people picker sends AAD object ids, comma-separated; so does the static fallback.
    values = [v.strip() for v in raw.split(",") if v.strip()] if isinstance(raw, str) else []
    if len(values) > MAX_ASSIGNEES_PER_AGENCY:
        errors[f"assignees_{ret.agency_id}"] = (
            f"Up to {MAX_ASSIGNEES_PER_AGENCY} practitioners per agency."
        )
        return []
    if not all(is_directory_id(v) for v in values):
        errors[f"assignees_{ret.agency_id}"] = "Choose practitioners from the list."
        return []
    return values


def resolve_members(
    uow: UnitOfWork, member: MemberView, aad_ids: list[str], ret: ReturnView
) -> list[int]:
    known = uow.members.by_aad_ids(member.partnership_id, aad_ids)
    ids = []
    for aad in aad_ids:
        found = known.get(aad)
        ended = ended_choice(found)
        if ended is not None:
            raise FormInvalid({f"assignees_{ret.agency_id}": ended})
        if found is None and not is_guid(aad):
            # Only a real directory id (the Teams people picker) may name someone new.
            raise FormInvalid({f"assignees_{ret.agency_id}": "Choose practitioners from the list."})
        found = found or uow.members.create_pending(
            member.partnership_id, aad, ret.agency_id, Role.PRACTITIONER
        )
        ids.append(found.id)
    return ids


def visible_reviews(uow: UnitOfWork, member: MemberView) -> list[ReviewProgress]:
    reviews = uow.reviews.with_progress(member.partnership_id, OPEN_STAGES)
    return [r for r in reviews if may_see_review(member, uow.reviews.access(r.review.id))]


def held_days(uow: UnitOfWork, member: MemberView) -> Mapping[int, date]:
    """Review id -> the day its meeting was held, as its outcome records (one query for the
    partnership): a list of reviews says "Held" on that day, not the planned one."""
    return uow.summaries.held_dates(member.partnership_id)


def find_review(uow: UnitOfWork, member: MemberView, text: str) -> ReviewView:
    """The review a typed command names, by reference or pseudonym, when the member may see
    it: the one way every command that takes a review finds it."""
    return _seen(uow, member, named_review(uow, member, text), text)


def _seen(uow: UnitOfWork, member: MemberView, review: ReviewView | None, text: str) -> ReviewView:
    """`review`, named by `text`, when the member may see it; else why there is none."""
    if review is None or not may_see_review(member, uow.reviews.access(review.id)):
        raise NotFound(not_visible(text))
    return review


def named_review(uow: UnitOfWork, member: MemberView, text: str) -> ReviewView | None:
    """The review of the member's partnership that `text` names, before any check of who may
    see it: a reference in any spelling ("LOS-2026-004", "2026/4"), else a pseudonym ("child
    k", "k") matched as the summary matches it (phrasing.match_review) among the reviews the
    member's view covers. Two reviews of one name, or a near miss, is a question back naming
    their references, never a guess, and saying which it is (`phrasing.which_review`): "More
    than one review fits" is not "No review you can see is called"."""
    parsed = parse_reference(text)
    if parsed is not None:
        return uow.reviews.by_reference(member.partnership_id, *parsed)
    if not member.roles or not text.strip():
        return None
    match = match_review(text, uow.summaries.visible_reviews(scope_for(member)))
    if match.found is not None:
        return uow.reviews.get(member.partnership_id, match.found.id)
    if match.candidates:
        raise NotFound(which_review(match, text))
    return None


# The statuses a return has once nothing more is asked of it (`AllReturnsIn`).
SETTLED = frozenset({ReturnStatus.SIGNED_OFF, ReturnStatus.NIL, ReturnStatus.PROCEEDED_WITHOUT})


class AllReturnsIn(NotFound):
    """`continue` named a review whose every return is in (`SETTLED`): nothing is left to
    carry on with. A NotFound to any caller that asks only what `continue` opens;
    `returns.to_continue` answers it with what happens next (`returns.all_in`)."""

    def __init__(self, user_message: str, review: ReviewView, returns: list[ReturnView]) -> None:
        super().__init__(user_message)
        self.review = review
        self.returns = tuple(returns)


def returns_to_continue(uow: UnitOfWork, member: MemberView, text: str) -> list[ReturnView]:
    """What `continue` opens. Typed alone ("continue", "continue please"): every return the
    member can work on now (`open_returns`), as when the words name no review ("continue my
    return"). Naming a review ("continue LOS-2026-004", "continue Child K"): their return on
    it, as its writer or as their agency's lead (who reads it while its practitioners write
    it), or a message saying why there is none, also when a reference or pseudonym names none
    they can see."""
    return continue_target(uow, member, text)[0]


def continue_target(
    uow: UnitOfWork, member: MemberView, text: str
) -> tuple[list[ReturnView], bool]:
    """`returns_to_continue`, and whether the words named a review (False: typed alone, or
    ordinary words, when `continue` also says what waits for the person elsewhere)."""
    if not has_words(text):
        return open_returns(uow, member), False
    asked = named_review(uow, member, text)
    if asked is None and not looks_like_review(text):
        # Ordinary words ("continue my return", "continue where i left off"): as typed alone.
        return open_returns(uow, member), False
    return _on_review(uow, member, asked, text), True


def _on_review(
    uow: UnitOfWork, member: MemberView, asked: ReviewView | None, text: str
) -> list[ReturnView]:
    review = _seen(uow, member, asked, text)
    everyone = uow.reviews.returns(review.id)
    theirs = [
        r
        for r in everyone
        if (member.id in r.assignee_ids or member.leads(r.agency_id))
        and r.status is not ReturnStatus.WITHDRAWN
    ]
    named = f"{review.reference} ({review.pseudonym})"
    if not theirs:
        raise NotFound(f"You have no return on {named}. Type continue to see the ones you have.")
    if review.stage not in OPEN_STAGES:
        # Closed or cancelled: its returns can't be changed.
        said = state_label(review.stage).lower()
        raise NotFound(f"{named} is {said}, so there's nothing to carry on with.")
    open_now = [r for r in theirs if r.status in WRITABLE]
    if open_now:
        return sorted(open_now, key=lambda r: r.agency_name)
    states = "; ".join(f"the {r.agency_name} return is {lowered_status(r.status)}" for r in theirs)
    waiting = any(r.status is ReturnStatus.SUBMITTED and member.leads(r.agency_id) for r in theirs)
    then = " Type sign-offs to sign it off." if waiting else ""
    told = f"There's nothing to carry on with on {named}: {states}.{then}"
    if all(r.status in SETTLED for r in everyone):
        raise AllReturnsIn(told, review, everyone)
    raise NotFound(told)


def lowered_status(status: ReturnStatus) -> str:
    """A return's status as a sentence says it ("signed off", "nil return")."""
    label = return_status_label(status)
    return label[0].lower() + label[1:]


def open_returns(uow: UnitOfWork, member: MemberView) -> list[ReturnView]:
    """The returns this member can work on now, most urgent first."""
    returns = [
        r
        for r in uow.returns.for_member(member.id)
        if r.status in WRITABLE
        # A cancelled review's returns can't be changed: `continue` must not offer them.
        and r.review_stage in OPEN_STAGES
    ]
    return sorted(returns, key=lambda r: (r.due_on or date.max, r.reference))
