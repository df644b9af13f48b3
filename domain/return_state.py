"""What an agency return's status is called wherever a person reads it.

The stored values ("nil_pending", "proceeded_without") are the database's words. The review's
Manage card, the return's own card, the review summary and the Word summary each kept a table
of their own, so one return read "Returned with comments" on one card and "Returned for
changes" on the next; they all read this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from domain.model import ReturnStatus

RETURN_STATUS_LABELS: Final[Mapping[ReturnStatus, str]] = {
    ReturnStatus.NOT_STARTED: "Not started",
    ReturnStatus.IN_PROGRESS: "In progress",
    ReturnStatus.SUBMITTED: "Submitted: waiting for sign-off",
    ReturnStatus.RETURNED: "Returned for changes",
    ReturnStatus.SIGNED_OFF: "Signed off",
    ReturnStatus.NIL_PENDING: "Nil return, awaiting the agency lead",
    ReturnStatus.NIL: "Nil return: no involvement (confirmed by its lead)",
    ReturnStatus.PROCEEDED_WITHOUT: "Proceeding without (chair's decision)",
    ReturnStatus.WITHDRAWN: "Removed from the review",
}


def return_status_label(status: ReturnStatus | str) -> str:
    """The status as a fact or a table cell shows it. A stored value will do: a ReturnStatus
    is its value."""
    return RETURN_STATUS_LABELS[ReturnStatus(status)]


# With its practitioners: a return they can still write (and `continue` offers).
WRITABLE: Final = frozenset(
    {ReturnStatus.NOT_STARTED, ReturnStatus.IN_PROGRESS, ReturnStatus.RETURNED}
)

# In with the partnership: a return sent back for changes keeps its submitted time but is with
# its practitioners again, so the status says, not the time.
SUBMITTED_STATUSES: Final = frozenset({ReturnStatus.SUBMITTED, ReturnStatus.SIGNED_OFF})


def returns_progress(reference: str, statuses: Iterable[ReturnStatus]) -> str:
    """The chair's one line on a review's returns, as the reviews list counts them: "LOS-2026-001:
    2 of 4 agency returns submitted, 1 signed off." An agency removed from the review counts in
    neither figure."""
    counted = [s for s in statuses if s is not ReturnStatus.WITHDRAWN]
    submitted = sum(1 for s in counted if s in SUBMITTED_STATUSES)
    signed = sum(1 for s in counted if s is ReturnStatus.SIGNED_OFF)
    return (
        f"{reference}: {submitted} of {len(counted)} agency returns submitted, {signed} signed off."
    )
