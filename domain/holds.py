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
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.model import small_int
from domain.repositories import UnitOfWork


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


def hold_action(uow: UnitOfWork, action_id: object) -> None:
    """Hold the item's review, then the item, until the transaction ends (as hold_return)."""
    number = small_int(action_id)
    item = uow.actions.get(number) if number is not None else None
    if item is not None:
        uow.reviews.lock(item.review_id)
        uow.actions.lock(item.id)
