"""What an agency return's status is called wherever a person reads it.

The stored values ("nil_pending", "proceeded_without") are the database's words. The review's
Manage card, the return's own card, the review summary and the Word summary each kept a table
of their own, so one return read "Returned with comments" on one card and "Returned for
changes" on the next; they all read this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from domain.model import ReturnStatus

RETURN_STATUS_LABELS: Final[Mapping[ReturnStatus, str]] = {
    ReturnStatus.NOT_STARTED: "Not started",
    ReturnStatus.IN_PROGRESS: "In progress",
    ReturnStatus.SUBMITTED: "Submitted: waiting for sign-off",
    ReturnStatus.RETURNED: "Returned for changes",
    ReturnStatus.SIGNED_OFF: "Signed off",
    ReturnStatus.NIL_PENDING: "Nil return, awaiting the agency lead",
    ReturnStatus.NIL: "Nil return: no involvement",
    ReturnStatus.PROCEEDED_WITHOUT: "Proceeding without (chair's decision)",
    ReturnStatus.WITHDRAWN: "Removed from the review",
}


def return_status_label(status: ReturnStatus | str) -> str:
    """The status as a fact or a table cell shows it. A stored value will do: a ReturnStatus
    is its value."""
    return RETURN_STATUS_LABELS[ReturnStatus(status)]
