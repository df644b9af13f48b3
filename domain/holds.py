"""The one order in which a transaction takes a review's row locks: the review first, then its
returns or action items.

Cancelling a review holds the review (its stage moves), then writes each of its returns and
action items (their chasers stop). A change to one return or item that also writes its review
(a sign-off or a confirmed nil return settling the review into analysis, an item's completion
closing it, a split numbering new items) must hold the review before the child too: taken the
other way round on PostgreSQL, the two wait on each other and one is killed as a deadlock (on
SQLite the single writer queues them either way). A change that never writes the review (a
practitioner's save, an episode's removal, a submit) may hold the child alone: it only ever
waits, so it can't close a cycle. Each holds the return before it reads it (`hold_return_only`),
so the read that decides whether it may still write sees what a racer ahead of it committed: a
save behind a submit finds the return submitted, and a submit behind a save checks the answers
the save wrote (a flagged one stops it). Every such path, and bot/freshness.py's checks of a
card's revision, holds through here.

Every change to who may write a return (assigning practitioners, taking one off, removing the
agency) holds the return too, after its review (`hold_writers_of`), though it may write none
of the return's own columns: a save holds the return before it reads who may write it, so it
either went first, while its writer still could, or waits and finds them taken off. Without
the hold, on PostgreSQL a save could read its writer still assigned and write after the
removal was made.

A change to an agency's safeguarding leads (the directory: granting or revoking agency_lead, a
lead moving agency) changes who may write, sign off or confirm each of that agency's returns
still open to its leads (`OPEN_TO_LEADS`), so it holds them all, in id order, before it
changes anything (storage/directory.py `hold_changes`, one statement). The directory's one
order: the rows of the agencies members move into (FOR KEY SHARE, as a member naming one
takes it), then the members' rows (FOR NO KEY UPDATE), then those returns. The agency card's
check holds its agency first (FOR UPDATE: a rename may change its unique name), then its
lead's row, then the returns; the member card's check holds the agency chosen on the card
first (FOR KEY SHARE, as the member's foreign key takes it at the move), then its member (FOR
NO KEY UPDATE, so a lead's new entry or answer naming them doesn't wait for it), then the
returns (bot/freshness.py `_member_and_chosen_agency`). So one admin moving a member into an
agency on the member's card while another chooses that member as the agency's lead on its
card queue on the agency's row: the second waits, then runs or is refused as changed since
shown (`tests/storage/test_member_agency_cards.py`). Before, the member card held its member
first and PostgreSQL ended one of the two as a deadlock. A change of many
members (the CSV import) names them all to that one hold before its first change
(domain/directory.py `import_holds`): held member by member, its returns were taken out of
id order across them, and an agency it moved a member into was taken only at that write,
after the members, crossing the agency card's order. It holds no review: it only ever waits
for a return, so it can't close a cycle with a chair's control (review, then return) or a
sweep (returns by id). The member is read at the turn's start, before any hold; a writer
whose access to a held return rests on leading its agency is read again after the hold
(`as_held`), so a save or a sign-off behind a lead's removal finds them no longer a lead. A
practitioner's access is the return's own assignee list, read after the hold anyway: their
save reads nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Final

from domain.model import MemberView, ReturnStatus, small_int
from domain.repositories import UnitOfWork
from domain.transitions import RETURN_SETTLED

# The returns an agency's leads may still act on (write, sign off, confirm a nil return): every
# status but the settled ones. The only way back from a settled status is a chair adding a
# removed agency again, and that holds the review first.
OPEN_TO_LEADS: Final = frozenset(ReturnStatus) - RETURN_SETTLED


def hold_return(uow: UnitOfWork, return_id: object) -> None:
    """Hold the return's review, then the return, until the transaction ends. An id that names
    no return holds nothing: the read after it refuses it as not found."""
    number = small_int(return_id)
    ret = uow.returns.get(number) if number is not None else None
    if ret is not None:
        uow.reviews.lock(ret.review_id)
        uow.returns.lock(ret.id)


def hold_return_only(uow: UnitOfWork, return_id: object) -> None:
    """Hold the return alone until the transaction ends, for a change that never writes its
    review. An id that names no return holds nothing: the read after it refuses it as not
    found (the read checks the member may see it; the hold, for the few milliseconds until
    then, only makes a racer on that return wait)."""
    number = small_int(return_id)
    if number is not None:
        uow.returns.lock(number)


def hold_writers_of(uow: UnitOfWork, return_ids: Iterable[int]) -> None:
    """Hold these returns, in id order, before changing who may write them. Their review must
    already be held (by the caller, as the chair's controls hold it): the review, then its
    returns, the one order."""
    for return_id in sorted(set(return_ids)):
        uow.returns.lock(return_id)


def as_held(uow: UnitOfWork, member: MemberView, agency_id: int | None) -> MemberView:
    """`member` as they are now, when what they may do rests on leading `agency_id`: call it
    after holding the agency's return, so a change of its leads made before the hold is seen
    (a change after it waits for this transaction). Anyone else is returned as read at the
    turn's start, with no query: not leading the agency then, the turn refuses them anyway."""
    if not member.leads(agency_id):
        return member
    now = uow.members.current(member.id)
    return now if now is not None else replace(member, roles=frozenset())


def hold_action(uow: UnitOfWork, action_id: object) -> None:
    """Hold the item's review, then the item, until the transaction ends (as hold_return)."""
    number = small_int(action_id)
    item = uow.actions.get(number) if number is not None else None
    if item is not None:
        uow.reviews.lock(item.review_id)
        uow.actions.lock(item.id)
