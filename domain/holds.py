"""The one order in which a transaction takes a review's row locks: the review first, then its
returns or action items.

Cancelling a review holds the review (its stage moves), then writes each of its returns and
action items (their chasers stop). A change to one return or item that also writes its review
(a sign-off or a confirmed nil return settling the review into analysis, an item's completion
closing it, a split numbering new items) must hold the review before the child too: taken the
other way round on PostgreSQL, the two wait on each other and one is killed as a deadlock (on
SQLite the single writer queues them either way). A change that never writes the review (a
practitioner's save) may hold the child alone: it only ever waits, so it can't close a cycle.
Every such path, and bot/freshness.py's checks of a card's revision, holds through here.
"""

from __future__ import annotations

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


def hold_action(uow: UnitOfWork, action_id: object) -> None:
    """Hold the item's review, then the item, until the transaction ends (as hold_return)."""
    number = small_int(action_id)
    item = uow.actions.get(number) if number is not None else None
    if item is not None:
        uow.reviews.lock(item.review_id)
        uow.actions.lock(item.id)
