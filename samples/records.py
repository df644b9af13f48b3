"""Domain records for tests and bench/documents_bench.py: a return of the demo review."""

from __future__ import annotations

from domain.model import ReturnStatus, ReviewStage
from domain.records import ReturnView


def ret(agency: str, status: ReturnStatus = ReturnStatus.SIGNED_OFF, rid: int = 1) -> ReturnView:
    return ReturnView(
        rid,
        1,
        1,
        "LOS-2026-004",
        "Child K",
        ReviewStage.ANALYSIS,
        1,
        rid,
        agency,
        status,
        None,
        0,
        "1",
        frozenset(),
        None,
    )
