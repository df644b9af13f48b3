"""Who reads what is meant for a review's chair (its chasers, escalation copies, date requests,
reports of what didn't get through), and which reviews that leaves with nobody to act for the
chair. One rule: the chaser sweep reads it through `chase_engine.chair_readers` to send the
chair's part, and the dashboard and the review's summary read it through `chair_gaps` to say
where the chair's part goes to stand-ins or reaches nobody, with the way on.

The order: the chair; then the deputy chair, leaving out one whose access an admin ended. A
chair who left is read for by the deputy, who has the chair's controls; with no deputy who
can, by the partnership's admins (they can name a deputy chair). With no admin either, nobody
reads it: the sweep logs it, and the review stalls unless someone is told (relia11)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.model import ReviewStage
from domain.transitions import OPEN_STAGES


@dataclass(frozen=True)
class Seat:
    """A review's chair and deputy chair, and whether an admin ended each one's access."""

    chair_id: int | None
    chair_ended: bool = False
    deputy_id: int | None = None
    deputy_ended: bool = False


class Cover(StrEnum):
    """Who reads the chair's part of a review."""

    CHAIR = "chair"  # the chair (and the deputy, if any): nothing to say
    DEPUTY = "deputy"  # the chair left; the deputy chair reads it as the chair
    ADMINS = "admins"  # the chair left, no deputy who can: the partnership's admins
    NOBODY = "nobody"  # the chair left, no deputy who can, no admin: a dead end


def readers(seat: Seat, admin_ids: Collection[int]) -> tuple[int, ...]:
    """Who reads what is meant for the review's chair, in order (the module's docstring)."""
    chair = None if seat.chair_ended else seat.chair_id
    deputy = None if seat.deputy_ended else seat.deputy_id
    found = tuple(m for m in (chair, deputy) if m is not None)
    if not found and seat.chair_id is not None and seat.chair_ended:
        found = tuple(admin_ids)
    return tuple(dict.fromkeys(found))


def cover(seat: Seat, admin_ids: Collection[int]) -> Cover | None:
    """Who reads the chair's part (`readers`), as a kind; None for a review with no chair."""
    if seat.chair_id is None:
        return None
    if not seat.chair_ended:
        return Cover.CHAIR
    found = readers(seat, admin_ids)
    if not found:
        return Cover.NOBODY
    deputy = None if seat.deputy_ended else seat.deputy_id
    return Cover.DEPUTY if found[0] == deputy else Cover.ADMINS


def nobody_reads(seat: Seat, admin_ids: Collection[int]) -> bool:
    """Whether what is meant for the chair reaches nobody."""
    return cover(seat, admin_ids) is Cover.NOBODY


@dataclass(frozen=True)
class ReviewSeat:
    """One review as the gap rule reads it: plain data, from storage."""

    review_id: int
    reference: str
    pseudonym: str
    stage: ReviewStage
    chair_name: str
    seat: Seat


@dataclass(frozen=True)
class ChairGap:
    """A review whose chair left with no deputy chair who can act for them: the chair's part
    goes to the partnership's admins (`Cover.ADMINS`) or to nobody (`Cover.NOBODY`)."""

    review_id: int
    reference: str
    pseudonym: str
    chair_name: str
    cover: Cover
    deputy_left: bool  # a deputy chair was named, and their access ended too


# Where a deputy chair can still be named (domain/lifecycle.py Control.DEPUTY's stages): a
# closed or cancelled review has nothing left for a chair to do.
_OPEN = frozenset(OPEN_STAGES)
_GAPS = (Cover.NOBODY, Cover.ADMINS)


def chair_gaps(seats: Iterable[ReviewSeat], admin_ids: Collection[int]) -> tuple[ChairGap, ...]:
    """The open reviews whose chair's access ended with no deputy chair who can act for them,
    nobody-reads first, each kind by reference."""
    gaps = []
    for review in seats:
        kind = cover(review.seat, admin_ids)
        if review.stage in _OPEN and kind in _GAPS:
            seat = review.seat
            gaps.append(
                ChairGap(
                    review.review_id,
                    review.reference,
                    review.pseudonym,
                    review.chair_name,
                    kind,
                    deputy_left=seat.deputy_id is not None and seat.deputy_ended,
                )
            )
    return tuple(sorted(gaps, key=lambda g: (_GAPS.index(g.cover), g.reference)))
