"""Action items after the meeting: owners' updates, the chair's decisions on new dates, the LIC
group's impact record, and closing the review when every item is closed
(docs/architecture.md §3)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Protocol

from domain import audit
from domain.action_history import HistoryEntry
from domain.action_history import latest as latest_entry
from domain.action_state import (
    Move,
    Mover,
    OwnerMove,
    action_rag,
    decision_words,
    moves_for,
    offered_moves,
    rag_reason,
    require_owner_move,
    status_reason,
    status_words,
)
from domain.calendar import DEFAULT_CALENDAR
from domain.chasers import ANSWERED, ChaserPolicy, Rag
from domain.errors import FormInvalid, NotFound, NotPermitted, StaleCard, field_error
from domain.holds import hold_action
from domain.idempotency import revision_of
from domain.identifier_checks import (
    record_kept,
    refuse_with_findings,
    require_confirmed,
    require_valid,
    typed_texts,
)
from domain.links import LINK_MAX as LINK_MAX  # the card's input limits itself by it
from domain.links import web_link
from domain.model import ActionStatus, Actor, ImpactDecision, MemberView, ReviewStage, Role
from domain.repositories import UnitOfWork
from domain.transitions import move_action, move_review
from domain.wording import short_date, shortened

NOTE_MAX = 2000
OPEN = frozenset({ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.BLOCKED})
DONE = frozenset({ActionStatus.CLOSED, ActionStatus.CANCELLED, ActionStatus.SPLIT})
# An impact card's refusal once the item moved on (a racing LIC member, or a card left open).
CHANGED = "This changed since you opened it, so nothing was saved."


@dataclass(frozen=True)
class ActionDetail:
    id: int
    partnership_id: int
    review_id: int
    review_reference: str
    pseudonym: str
    review_stage: ReviewStage
    chair_member_id: int | None
    reference: str
    description: str
    theme: str | None
    owner_member_id: int | None
    owner_name: str | None
    agency_id: int | None
    agency_name: str | None
    due_on: date | None
    revised_due_on: date | None
    success_measure: str | None
    status: ActionStatus
    evidence_text: str | None
    evidence_link: str | None
    chase_count: int
    # The owner's latest self-assessment (`action_history.owner_rag`).
    latest_rag: str | None
    pending_date: date | None
    pending_date_reason: str | None
    # The progress entry of the date request waiting for the chair: what Approve names.
    pending_request_id: int | None = None
    deputy_chair_member_id: int | None = None
    # Of `chase_count`, the chasers since its owner took it on (`chasers.Tally`); None: all.
    owner_chase_count: int | None = None
    # The LIC group's latest impact record on the item, if any: what they decided and why.
    lic_decision: LicDecision | None = None
    # When its next chaser is planned (the chaser schedule's `next_chase_at`, UTC); None: none.
    next_chase_at: datetime | None = None
    # Every entry of its history, oldest first (`domain.action_history`).
    history: tuple[HistoryEntry, ...] = ()
    # An admin ended its owner's access (domain/directory.py end_access): `owner_name` says so
    # and its chair is offered Reassign first (`cards.actions`).
    owner_access_ended: bool = False

    @property
    def latest(self) -> HistoryEntry | None:
        """Its latest word, by the one rule every card and summary shows it by."""
        return latest_entry(self.history)

    def chaired_by(self, member_id: int) -> bool:
        return member_id in (self.chair_member_id, self.deputy_chair_member_id)

    @property
    def effective_due(self) -> date | None:
        return self.revised_due_on or self.due_on


def revision(item: ActionDetail) -> str:
    """What a card about this item was drawn at: its status, dates, waiting request, evidence
    and owner. A progress note is added, never overwritten, so it is not part of it."""
    return revision_of(
        item.status.value,
        item.effective_due,
        item.pending_request_id,
        item.evidence_text,
        item.owner_member_id,
    )


@dataclass(frozen=True)
class LicDecision:
    """One impact record as the owner, the chair and the LIC group read it back."""

    decision: str  # an ImpactDecision's value
    recorded_at: datetime
    how_much: str
    how_well: str
    better_off: str
    minute_reference: str | None = None
    meeting_on: date | None = None


# Room for each of the LIC group's answers on a card (the form takes far more).
LIC_ANSWER_ROOM: Final = 300


def lic_decision_facts(lic: LicDecision) -> list[tuple[str, str]]:
    """The LIC group's decision as facts, each answer its own: the run-together "How well: …
    Better off: …" left a reader guessing where one answer ended. As typed: the card makes
    them inert."""
    words = decision_words(lic.decision)
    day = DEFAULT_CALENDAR.local_date(lic.recorded_at)
    said = f"{words[:1].upper()}{words[1:]} on {short_date(day)}"
    if lic.meeting_on is not None:
        said += f" (LIC meeting {short_date(lic.meeting_on)})"
    if lic.minute_reference:
        said += f", minute {lic.minute_reference}"
    return [
        ("LIC decision", said),
        ("How much did we do?", shortened(lic.how_much, LIC_ANSWER_ROOM)),
        ("How well did we do it?", shortened(lic.how_well, LIC_ANSWER_ROOM)),
        ("Is anyone better off?", shortened(lic.better_off, LIC_ANSWER_ROOM)),
    ]


@dataclass(frozen=True)
class ImpactInput:
    how_much: str
    how_well: str
    better_off: str
    evidence: str | None
    decision: ImpactDecision
    minute_reference: str | None
    meeting_on: date | None


@dataclass(frozen=True)
class Digest:
    """The LIC group's monthly picture (issue 5 item 6)."""

    due_this_month: int
    overdue: tuple[ActionDetail, ...]
    awaiting_impact: int
    closed_this_month: int


@dataclass(frozen=True)
class NewSplitItem:
    """A new item of a split, as stored: the item's review, lead agency, theme, finding and
    date agreed, with its own description, owner, due date and measure."""

    description: str
    owner_member_id: int
    due_on: date
    success_measure: str


class ActionRepository(Protocol):
    def get(self, action_id: int) -> ActionDetail | None: ...

    def for_owner(self, member_id: int) -> list[ActionDetail]: ...

    def chaired_open(self, member_id: int) -> list[ActionDetail]:
        """The open items (escalated, blocked, or with their owners) of the reviews this member
        chairs or deputy-chairs: those that may wait for their decision."""
        ...

    def awaiting_impact(self, partnership_id: int) -> list[ActionDetail]:
        """Completed items, waiting for the LIC group to record their impact."""
        ...

    def update(self, action_id: int, fields: Mapping[str, Any]) -> None: ...

    def transition(
        self, action_id: int, expected: Collection[ActionStatus], fields: Mapping[str, Any]
    ) -> bool:
        """Write `fields` (with the new status) only while the item's status is one of
        `expected`: False when a racing request moved it first (then nothing is written)."""
        ...

    def lock(self, action_id: int) -> None:
        """Hold the item until the transaction ends, so racing changes to it queue. Hold its
        review first: domain/holds.py."""
        ...

    def split_into(self, action_id: int, parts: Sequence[NewSplitItem]) -> list[int]:
        """New items on the item's review, numbered after its last (the caller holds the
        review), with the item's lead agency, theme, finding and date agreed; their ids."""
        ...

    def add_progress(
        self,
        action_id: int,
        member_id: int,
        kind: str,
        note: str | None,
        at: datetime,
        rag: str | None = None,
        proposed_due_on: date | None = None,
    ) -> None:
        """`at` is the services clock's moment: the keep-open rule compares it with the
        item's `completed_at`, so both come from one clock."""
        ...

    def record_impact(
        self, action_id: int, impact: ImpactInput, member_id: int, at: datetime
    ) -> None: ...

    def current_impact(self, action_id: int) -> str | None:
        """The decision the LIC group recorded since the item was last completed, if any."""
        ...

    def open_count(self, review_id: int) -> int: ...

    def digest(
        self, partnership_id: int, month_start: date, month_end: date, today: date
    ) -> Digest: ...


def load(
    uow: UnitOfWork, member: MemberView, action_id: object, *, hold: bool = False
) -> ActionDetail:
    """An action item the member may see: its owner, the review's chair, admins, LIC members.
    `hold`: for a change, held until the transaction ends and read again, so changes racing
    on one item queue and each checks what the one before it committed."""
    item = uow.actions.get(action_id) if isinstance(action_id, int) else None
    if item is None or item.partnership_id != member.partnership_id or not _may_see(member, item):
        raise NotFound("I can't find that action item, or it isn't one you can open.")
    if hold:
        hold_action(uow, item.id)  # its review first, then the item
        item = _reload(uow, item)
        why = settled_by_review(item)
        if why is not None:
            # Every change to an item comes through here held: a cancelled review's items are
            # settled, so no move may re-arm their chasers or add to them.
            raise StaleCard(why)
    return item


def settled_by_review(item: ActionDetail) -> str | None:
    """Why no move on this item can be taken whatever its own state allows (its review was
    cancelled), or None. `load(hold=True)` refuses on it; cards draw no moves on it."""
    if item.review_stage is ReviewStage.CANCELLED:
        return f"{item.review_reference} has been cancelled, so its action items can't be changed."
    return None


# What a reader of a settled item can still do, said under the reason on its card.
SETTLED_INSTEAD = 'The review\'s summary shows how it ended; "my actions" lists your other items.'


def open_moves(mover: Mover, item: ActionDetail) -> tuple[Move, ...]:
    """The mover's moves on this item that would be taken: its state's (`moves_for`), none on
    an item its review has settled."""
    return () if settled_by_review(item) is not None else moves_for(mover, item.status)


def card_moves(
    movers: Sequence[Mover], item: ActionDetail
) -> tuple[tuple[Mover, tuple[Move, ...]], ...]:
    """The moves one card of the item offers a reader who is each of `movers`
    (`action_state.offered_moves`): none on an item its review has settled. A chair who owns
    an item waiting for their decision as its chair (`chair_decides`) reads the chair's moves
    first: that decision is what the item waits for, and their own updates can follow it."""
    if settled_by_review(item) is not None:
        return ()
    offered = offered_moves(movers, item.status)
    if (chair_decides(item) or item.owner_access_ended) and Mover.CHAIR in movers:
        offered = tuple(sorted(offered, key=lambda group: group[0] is not Mover.CHAIR))
    if item.owner_access_ended:
        # Its owner has left (an admin ended their access): nobody works on it until the chair
        # gives it to someone else, so Reassign leads the chair's moves.
        offered = tuple(
            (mover, _reassign_first(moves) if mover is Mover.CHAIR else moves)
            for mover, moves in offered
        )
    return offered


def _reassign_first(moves: tuple[Move, ...]) -> tuple[Move, ...]:
    return tuple(sorted(moves, key=lambda move: move is not Move.REASSIGN))


def owner_gone_line(item: ActionDetail) -> str | None:
    """What an item's card says to its chair when an admin has ended its owner's access."""
    if not item.owner_access_ended or settled_by_review(item) is not None:
        return None
    if item.status in DONE:
        return None
    return (
        "Its owner's access to Line of Sight has ended, so nobody is working on it: "
        "Reassign it to someone who can."
    )


def chair_decides(item: ActionDetail) -> bool:
    """Whether the item waits for its chair's decision, whoever reads it: escalated to them,
    blocked, or with a date request to approve or decline (`awaits_decision` says which to
    the chair in `my actions`)."""
    waiting = item.status in (ActionStatus.ESCALATED, ActionStatus.BLOCKED)
    return settled_by_review(item) is None and (waiting or request_to_decide(item))


def _may_see(member: MemberView, item: ActionDetail) -> bool:
    return (
        member.id == item.owner_member_id
        or item.chaired_by(member.id)
        or member.has(Role.ADMIN, Role.LIC_MEMBER)
        or _leads_its_agency(member, item)
    )


def _leads_its_agency(member: MemberView, item: ActionDetail) -> bool:
    """An agency lead opens any item their agency leads: they are copied when it is late."""
    return member.leads(item.agency_id)


def _owned(uow: UnitOfWork, member: MemberView, action_id: object, move: OwnerMove) -> ActionDetail:
    item = load(uow, member, action_id, hold=True)
    if member.id != item.owner_member_id:
        raise NotPermitted(f"Only the owner of {item.reference} can update it.")
    if item.status is ActionStatus.SPLIT:
        raise StaleCard(f"{item.reference} was split into two new items; `my actions` lists yours.")
    if item.status in DONE:
        raise StaleCard(f"{item.reference} is {status_words(item.status)}; it can't be updated.")
    require_owner_move(item.reference, item.status, move)
    return item


# Why an item waits for its chair, and what they can do about it: their decision is what moves
# it on (the chair is reminded of blocked and escalated items, `chasers.ChaseKind`; a date request
# waits for Approve or Decline, on the request card sent to the chair and on the item's card
# for its chair or deputy, `request_to_decide`). Each names the moves the chair's card offers in
# that state (`action_state.MOVES`, as the cards call them), so the list says what is to be
# decided, not only the state ("Blocked · owner …" left the chair guessing).
ESCALATED_WHY: Final = (
    "Escalated by the LIC group: decide what happens next (set a new date, reopen it, "
    "reassign or split it, or mark it not achievable)"
)
DATE_ASKED_WHY: Final = (
    "New date asked for: approve or decline it when you open it, or set another date with Amend"
)
BLOCKED_WHY: Final = (
    "Blocked: the owner says it can't go on. Decide whether to reassign, amend, split or cancel it"
)


# The progress entries that settle a date request, so it no longer waits on the item: the
# chair's Approve or Decline, or "date_closed", left by a decision of theirs that settled the
# item's date or took it out of escalation (`action_controls.date_request_closed`). Both
# readings of a pending request, the item's (`pending_date`) and the chair's list
# (`chaired_open`), honour the same three.
DATE_REQUEST_SETTLED: Final = ("date_approved", "date_declined", "date_closed")


def request_to_decide(item: ActionDetail) -> bool:
    """Whether a date request waits on the item for its chair's Approve or Decline: the cards
    offer them where it does, and `decide_date` takes them only where it does (the one rule,
    `date_request_refused`)."""
    return date_request_refused(item) is None


def date_request_refused(item: ActionDetail) -> str | None:
    """Why the chair can't approve or decline a date request on the item as it is now, naming
    its state; None when they can. One was asked and not yet decided, on an item not done, of a
    review not settled. Not on an escalated item: that waits for the chair's own decision,
    whose "Set a new date" gives it a date and sends it back to its owner, where approving a
    date would leave it escalated. A click from a card drawn before the item moved on (or a
    hand-made one) is refused with this, nothing written."""
    if item.pending_date is None:
        return f"There is no date request waiting on {item.reference}."
    settled = settled_by_review(item)
    if settled is not None:
        return settled
    if item.status is ActionStatus.ESCALATED:
        return (
            f"{item.reference} is now {status_words(item.status)} by the LIC group, so its date "
            f"request can't be approved or declined on its own. Open the action to decide what "
            f"happens next: Set a new date gives it one."
        )
    if item.status in DONE:
        return (
            f"{item.reference} is now {status_words(item.status)}, so its date request can't "
            f"be approved or declined."
        )
    return None


def awaits_decision(item: ActionDetail, member_id: int) -> str | None:
    """Why `item` waits for this member's decision as its review's chair or deputy, or None.
    An item of a cancelled review waits for nothing: every move on it is refused."""
    if not item.chaired_by(member_id) or item.status in DONE or settled_by_review(item):
        return None
    if item.status is ActionStatus.ESCALATED:
        return ESCALATED_WHY
    if request_to_decide(item):
        return DATE_ASKED_WHY
    if item.status is ActionStatus.BLOCKED:
        return BLOCKED_WHY
    return None


@dataclass(frozen=True)
class Rated:
    item: ActionDetail
    rag: Rag | None
    why: str | None = None  # why it waits for the reader's decision (`awaits_decision`)
    # Which cause makes it red or amber (`item_rating`, as its card's "Why red" says).
    reason: str | None = None


@dataclass(frozen=True)
class MyActions:
    """`my actions`: what waits for the reader's decision as a chair, and their own items.

    A chair's two kinds of work read apart (new-user walk M10): deciding is theirs alone, and
    the owners' items wait on it. An item both theirs and waiting for their decision (a chair
    who owns a blocked item) is listed once, under the decision. `deciding` is None for a
    reader who chairs nothing and has nothing to decide: their card is the one list."""

    deciding: tuple[Rated, ...] | None
    own: tuple[Rated, ...]


_URGENCY: Final = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.BLUE: 3, None: 4}


def group_my_actions(
    member: MemberView,
    owned: Sequence[ActionDetail],
    chaired: Sequence[ActionDetail],
    today: date,
    policy: ChaserPolicy,
) -> MyActions:
    """The grouping rule, most urgent first in each group (red, amber, green, then by due date).
    `owned`: the member's items; `chaired`: open items on the reviews they chair or deputise."""
    seen: set[int] = set()
    deciding: list[Rated] = []
    for item in [*chaired, *owned]:
        why = awaits_decision(item, member.id)
        if why is not None and item.id not in seen:
            seen.add(item.id)
            deciding.append(_rated_row(item, today, policy, why))
    own = [
        _rated_row(item, today, policy)
        for item in owned
        if item.status not in DONE and item.id not in seen
    ]
    chairs = member.has(Role.CHAIR) or bool(deciding) or bool(chaired)
    return MyActions(_most_urgent(deciding) if chairs else None, _most_urgent(own))


def _rated_row(
    item: ActionDetail, today: date, policy: ChaserPolicy, why: str | None = None
) -> Rated:
    rag, reason = item_rating(item, today, policy)
    if why is not None and reason == status_reason(item.status):
        reason = None  # "Blocked: …" or "Escalated …" under it says just that
    return Rated(item, rag, why, reason)


def _most_urgent(rated: Sequence[Rated]) -> tuple[Rated, ...]:
    return tuple(sorted(rated, key=lambda r: (_URGENCY[r.rag], r.item.effective_due or date.max)))


def my_actions(uow: UnitOfWork, member: MemberView, today: date, policy: ChaserPolicy) -> MyActions:
    """The member's open items, and (as a chair) the items waiting for their decision."""
    owned = uow.actions.for_owner(member.id)
    return group_my_actions(member, owned, uow.actions.chaired_open(member.id), today, policy)


def awaiting_impact(uow: UnitOfWork, member: MemberView) -> list[ActionDetail]:
    """The LIC group's queue: completed items, longest-waiting review first."""
    if not member.has(Role.LIC_MEMBER, Role.ADMIN):
        raise NotPermitted("Only a member of the LIC group can see what waits for its impact.")
    # A cancelled review's completed items wait for nothing: recording impact is refused.
    items = [
        item
        for item in uow.actions.awaiting_impact(member.partnership_id)
        if settled_by_review(item) is None
    ]
    return sorted(items, key=lambda i: (i.effective_due or date.max, i.reference))


def item_rag(item: ActionDetail, today: date, policy: ChaserPolicy) -> Rag | None:
    """The item's RAG: `domain.action_state.action_rag`, as every other view rates it."""
    return action_rag(item.status, item.effective_due, item.latest_rag, today, policy)


def item_rag_reason(item: ActionDetail, today: date, policy: ChaserPolicy) -> str | None:
    """Which cause makes the item red or amber (`domain.action_state.rag_reason`), beside the
    RAG label every view shares."""
    return rag_reason(item.status, item.effective_due, item.latest_rag, today, policy)


def item_rating(
    item: ActionDetail, today: date, policy: ChaserPolicy
) -> tuple[Rag | None, str | None]:
    """The item's RAG and which cause makes it red or amber, as its cards show them."""
    return item_rag(item, today, policy), item_rag_reason(item, today, policy)


def _text(
    raw: object,
    key: str,
    label: str,
    errors: dict[str, str],
    *,
    required: bool,
    limit: int = NOTE_MAX,
) -> str | None:
    text = raw.strip() if isinstance(raw, str) else ""
    if required and not text:
        errors[key] = field_error(label, " is required.")
    elif len(text) > limit:
        errors[key] = field_error(label, f" is {len(text):,} characters; the limit is {limit:,}.")
    return text or None


def _set_status(
    uow: UnitOfWork,
    actor: Actor,
    item: ActionDetail,
    target: ActionStatus,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> None:
    done = f"{item.reference} was already marked {status_words(target)}"
    if item.status is target:
        raise audit.already_done(uow, ("action_item", item.id), ("action.status_changed",), done)
    move_action(item.status, target)
    fields = {
        "status": target.value,
        "status_changed_at": now,
        **ANSWERED,
        **(extra or {}),
    }
    if not uow.actions.transition(item.id, {item.status}, fields):
        raise audit.already_done(uow, ("action_item", item.id), ("action.status_changed",), done)
    audit.status_change(
        uow,
        item.partnership_id,
        actor,
        "action.status_changed",
        ("action_item", item.id),
        item.status,
        target,
    )


@dataclass(frozen=True)
class Updated:
    item: ActionDetail
    notice: str
    tell_chair: str | None = None
    tell_lic: bool = False


def update_progress(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> Updated:
    item = _owned(uow, member, data.get("action_id"), OwnerMove.PROGRESS)
    errors: dict[str, str] = {}
    note = _text(data.get("note"), "note", "Progress note", errors, required=True)
    assessment = data.get("rag")
    if assessment not in (None, "", "red", "amber", "green"):
        errors["rag"] = "Choose red, amber or green."
    screened = require_valid(errors, {"note": note}, data)
    uow.actions.add_progress(
        item.id, member.id, "progress", note, now, str(assessment) if assessment else None
    )
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    if item.status in (ActionStatus.OPEN, ActionStatus.BLOCKED):
        _set_status(uow, actor, item, ActionStatus.IN_PROGRESS, now, {"blocked_reason": None})
    else:
        uow.actions.update(item.id, dict(ANSWERED))
    audit.record(
        uow,
        item.partnership_id,
        actor,
        "action.progress",
        ("action_item", item.id),
        after={"rag": assessment or None},
    )
    if item.status is ActionStatus.COMPLETED:  # delivered: what it has changed since
        return Updated(_reload(uow, item), "Evidence of impact recorded for the LIC group.")
    return Updated(_reload(uow, item), "Progress recorded. Thank you.")


def mark_complete(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> Updated:
    item = _owned(uow, member, data.get("action_id"), OwnerMove.COMPLETE)
    errors: dict[str, str] = {}
    evidence = _text(
        data.get("evidence"), "evidence", "Evidence of completion", errors, required=True
    )
    link = _text(
        data.get("evidence_link"), "evidence_link", "Link", errors, required=False, limit=LINK_MAX
    )
    if link and web_link(link) is None:
        errors["evidence_link"] = (
            "A link must start with https:// and name a web address, like "
            "https://example.org/briefing-register."
        )
    screened = require_valid(errors, {"evidence": evidence}, data)
    uow.actions.add_progress(item.id, member.id, "completed", evidence, now)
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    _set_status(
        uow,
        actor,
        item,
        ActionStatus.COMPLETED,
        now,
        {"evidence_text": evidence, "evidence_link": link, "completed_at": now},
    )
    return Updated(
        _reload(uow, item),
        "Marked complete. The LIC group will record its impact; "
        "I may ask you for evidence of impact meanwhile.",
        tell_lic=True,
    )


def ask_new_date(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> Updated:
    item = _owned(uow, member, data.get("action_id"), OwnerMove.NEW_DATE)
    errors: dict[str, str] = {}
    reason = _text(data.get("reason"), "reason", "Reason", errors, required=True)
    proposed = _future_date(data.get("proposed_due_on"), today, errors)
    screened = require_valid(errors, {"reason": reason}, data)
    if proposed is None:  # the check above said why
        raise FormInvalid(errors)
    uow.actions.add_progress(
        item.id, member.id, "date_requested", reason, now, proposed_due_on=proposed
    )
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    uow.actions.update(item.id, dict(ANSWERED))
    audit.record(
        uow,
        item.partnership_id,
        actor,
        "action.date_requested",
        ("action_item", item.id),
        after={"proposed_due_on": proposed.isoformat()},
    )
    return Updated(
        _reload(uow, item),
        "Asked the chair for a new date; I'll tell you what they decide.",
        tell_chair="date_request",
    )


def _future_date(
    raw: object, today: date, errors: dict[str, str], label: str = "Proposed date"
) -> date | None:
    """The date typed, one to come; its problem named by `label` (a `FieldError`, which the
    form's card names by the label shown over the box)."""
    typed = str(raw).strip() if raw is not None else ""
    try:
        value = date.fromisoformat(typed[:10])
    except ValueError:
        problem = " must be a date like 2027-04-30." if typed else " is required."
        errors["proposed_due_on"] = field_error(label, problem)
        return None
    if value <= today:
        errors["proposed_due_on"] = field_error(label, " must be in the future.")
    return value


def mark_blocked(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> Updated:
    item = _owned(uow, member, data.get("action_id"), OwnerMove.BLOCKED)
    errors: dict[str, str] = {}
    reason = _text(data.get("reason"), "reason", "What is blocking it", errors, required=True)
    screened = require_valid(errors, {"reason": reason}, data)
    uow.actions.add_progress(item.id, member.id, "blocked", reason, now)
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    _set_status(uow, actor, item, ActionStatus.BLOCKED, now, {"blocked_reason": reason})
    return Updated(
        _reload(uow, item), "Marked blocked. The chair has been told.", tell_chair="blocked"
    )


def decide_date(
    uow: UnitOfWork,
    actor: Actor,
    member: MemberView,
    data: Mapping[str, object],
    approve: bool,
    today: date,
    now: datetime,
) -> ActionDetail:
    item = load(uow, member, data.get("action_id"), hold=True)
    if not item.chaired_by(member.id) and not member.has(Role.ADMIN):
        raise NotPermitted(f"Only the chair of {item.review_reference} decides new dates.")
    if item.pending_date is None:
        raise audit.already_done(
            uow,
            ("action_item", item.id),
            # Or a decision of the chair's closed it (`action_controls.date_request_closed`).
            (
                "action.date_approved",
                "action.date_declined",
                "action.date_set",
                "action.reopened",
                "action.not_achievable",
                "action.reassigned",
                "action.amended",
            ),
            f"There is no date request waiting on {item.reference}: the last was decided",
        )
    refused = date_request_refused(item)
    if refused is not None:
        raise StaleCard(refused)
    _check_request(item, data.get("request_id"), approve, today)
    if approve:
        uow.actions.update(
            item.id,
            {
                "revised_due_on": item.pending_date,
                "revised_due_reason": item.pending_date_reason,
                **ANSWERED,
            },
        )
    uow.actions.add_progress(
        item.id,
        member.id,
        "date_approved" if approve else "date_declined",
        None,
        now,
        proposed_due_on=item.pending_date,
    )
    audit.record(
        uow,
        item.partnership_id,
        actor,
        "action.date_approved" if approve else "action.date_declined",
        ("action_item", item.id),
        before={"due_on": str(item.effective_due)},
        after={"due_on": str(item.pending_date if approve else item.effective_due)},
    )
    return _reload(uow, item)


def _check_request(item: ActionDetail, shown: object, approve: bool, today: date) -> None:
    """The decision is on the request the card showed, and only while it is the one waiting;
    a date already gone is not approved."""
    if shown != item.pending_request_id:
        raise StaleCard(
            f"That date request on {item.reference} is no longer the one waiting: the owner "
            f"asked again since. Open the action to see the current request."
        )
    if approve and item.pending_date is not None and item.pending_date < today:
        raise StaleCard(
            f"The date asked for ({short_date(item.pending_date)}) is now in the past, so it "
            f"can't be approved. Decline it, and the owner can ask for a new one."
        )


@dataclass(frozen=True)
class ImpactRecorded:
    item: ActionDetail  # with the record just made as its lic_decision
    decision: ImpactDecision
    review_closed: bool


def record_impact(
    uow: UnitOfWork, actor: Actor, member: MemberView, data: Mapping[str, object], now: datetime
) -> ImpactRecorded:
    if not member.has(Role.LIC_MEMBER):
        raise NotPermitted("Only a member of the LIC group can record impact.")
    item = load(uow, member, data.get("action_id"), hold=True)
    if item.status is not ActionStatus.COMPLETED:
        raise StaleCard(
            f"{CHANGED} {item.reference} is {status_words(item.status)}, so its "
            f"impact can't be recorded from this card."
        )
    _one_decision_per_completion(uow, item)
    try:
        impact = check_impact(data, DEFAULT_CALENDAR.local_date(now))
    except FormInvalid as invalid:  # with the boxes' identifier findings, in one refusal
        refuse_with_findings(invalid, typed_texts(data, IMPACT_TEXT_BOXES), data)
    screened = require_confirmed(impact_texts(impact), data)
    uow.actions.record_impact(item.id, impact, member.id, now)
    record_kept(uow, item.partnership_id, actor, ("action_item", item.id), screened)
    audit.record(
        uow,
        item.partnership_id,
        actor,
        "action.impact_recorded",
        ("action_item", item.id),
        after={"decision": impact.decision.value},
    )
    if impact.decision is ImpactDecision.CLOSE:
        _set_status(uow, actor, item, ActionStatus.CLOSED, now, {"closed_at": now})
    elif impact.decision is ImpactDecision.KEEP_OPEN:
        _set_status(uow, actor, item, ActionStatus.IN_PROGRESS, now)
    else:  # escalated: the chair owns it until they decide (domain/action_controls.py)
        _set_status(uow, actor, item, ActionStatus.ESCALATED, now)
    closed = impact.decision is ImpactDecision.CLOSE and _close_review_if_done(
        uow, actor, item, now
    )
    return ImpactRecorded(_reload(uow, item), impact.decision, closed)


def _one_decision_per_completion(uow: UnitOfWork, item: ActionDetail) -> None:
    """One current LIC decision per completion. Every decision now moves the item on (escalate
    to `escalated`), so the status check refuses a second one; this rule stays as the record's
    own guard, should a decision ever leave the item completed. The item is held
    (load(hold=True)), so racers queue here and each sees the record the one before it
    committed."""
    decided = uow.actions.current_impact(item.id)
    if decided is not None:
        raise StaleCard(
            f"{CHANGED} The LIC group has already recorded its impact on {item.reference} "
            f"({decided.replace('_', ' ')})."
        )


def check_impact(data: Mapping[str, object], today: date) -> ImpactInput:
    errors: dict[str, str] = {}
    meeting_on = _lic_meeting(data.get("lic_held_on"), today, errors)
    how_much = _text(data.get("how_much"), "how_much", "How much did we do", errors, required=True)
    how_well = _text(
        data.get("how_well"), "how_well", "How well did we do it", errors, required=True
    )
    better_off = _text(
        data.get("better_off"), "better_off", "Is anyone better off", errors, required=True
    )
    evidence = _text(data.get("evidence"), "evidence", "Evidence", errors, required=False)
    minute = _text(
        data.get("minute_reference"),
        "minute_reference",
        "Minute reference",
        errors,
        required=False,
        limit=100,
    )
    try:
        decision = ImpactDecision(str(data.get("decision")))
    except ValueError:
        errors["decision"] = "Choose close, keep open or escalate."
        decision = ImpactDecision.ESCALATE
    if errors or not (how_much and how_well and better_off):
        raise FormInvalid(errors)
    return ImpactInput(how_much, how_well, better_off, evidence, decision, minute, meeting_on)


def _lic_meeting(raw: object, today: date, errors: dict[str, str]) -> date | None:
    """The LIC meeting that made the decision (the tracker's "LIC sign-off: meeting date"):
    optional, and a meeting already held."""
    if raw in (None, ""):
        return None
    try:
        held = date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        errors["lic_held_on"] = "Give the LIC meeting's date, like 2027-01-21."
        return None
    if held > today:
        errors["lic_held_on"] = "The LIC meeting's date can't be in the future."
    return held


# The LIC's free-text boxes, by input id: the owner and the tracker see them.
IMPACT_TEXT_BOXES = ("how_much", "how_well", "better_off", "evidence")


def impact_texts(impact: ImpactInput) -> dict[str, str | None]:
    """The LIC's free text, by input id."""
    texts = (impact.how_much, impact.how_well, impact.better_off, impact.evidence)
    return dict(zip(IMPACT_TEXT_BOXES, texts, strict=True))


def _close_review_if_done(uow: UnitOfWork, actor: Actor, item: ActionDetail, now: datetime) -> bool:
    # Two items closed at once would each see the other still open: queued on the review, the
    # second reads the first's close and closes the review.
    uow.reviews.lock(item.review_id)
    if uow.actions.open_count(item.review_id) or item.review_stage is not ReviewStage.ACTIONS_OPEN:
        return False
    target = move_review(item.review_stage, ReviewStage.CLOSED)
    closed_on = DEFAULT_CALENDAR.local_date(now)
    if not uow.reviews.set_stage(item.review_id, target, {item.review_stage}, closed_on):
        return False
    audit.record(
        uow,
        item.partnership_id,
        actor,
        "review.stage_changed",
        ("review", item.review_id),
        before={"stage": item.review_stage.value},
        after={"stage": ReviewStage.CLOSED.value},
    )
    return True


def _reload(uow: UnitOfWork, item: ActionDetail) -> ActionDetail:
    fresh = uow.actions.get(item.id)
    assert fresh is not None
    return fresh


def lead_ids(uow: UnitOfWork, item: ActionDetail) -> Sequence[int]:
    return uow.returns.agency_lead_ids(item.agency_id) if item.agency_id else ()
