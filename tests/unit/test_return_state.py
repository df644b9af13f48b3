"""A return's status reads the same on every card and in the Word summary (`domain/return_state`).

The Word summary's table once showed a decided return by its stored value ("proceeded_without"),
and the Manage card said "Returned with comments" where the return's own card said "Returned
for changes": each view had a table of its own.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from docx import Document

from cards import returns as return_cards
from cards import reviews as review_cards
from domain.chasers import DEFAULT_POLICY
from domain.model import ReturnStatus
from domain.return_state import RETURN_STATUS_LABELS, return_status_label, returns_progress
from domain.summaries import Access, ReturnLine, build_summary
from exports.summary_doc import summary_docx
from tests.unit.test_return_cards import RET
from tests.unit.test_summaries import TODAY, records, review


def _texts(card: object) -> str:
    return json.dumps(card)


@pytest.mark.parametrize("status", list(ReturnStatus))
def test_every_view_names_a_return_status_in_the_same_words(status: ReturnStatus) -> None:
    label = return_status_label(status)
    assert "_" not in label, "a person's words, not the stored value"
    assert label[0].isupper()
    ret = replace(RET, status=status)
    assert label in _texts(return_cards.returns_list_card([ret])), "the returns list"
    row = review_cards._agency_row(ret, {2: "Practitioner Two"}, controls=False)
    assert label in _texts(row.model_dump(mode="json")), "the Manage card's agency row"
    line = ReturnLine("Demo Police", status, TODAY, ("Practitioner One",))
    summary = build_summary(
        review(), Access.FULL, replace(records(0), returns=(line,)), TODAY, DEFAULT_POLICY
    )
    document = Document(io.BytesIO(summary_docx(summary, (), TODAY)))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Agency")
    assert table.rows[1].cells[1].text == label, "the Word summary"


def test_every_return_status_has_its_own_words() -> None:
    assert set(RETURN_STATUS_LABELS) == set(ReturnStatus)
    assert len(set(RETURN_STATUS_LABELS.values())) == len(ReturnStatus), "no two read alike"
    assert return_status_label("signed_off") == "Signed off", "a stored value will do"


def test_the_chairs_progress_line_counts_by_status_as_the_reviews_list_does() -> None:
    """A return sent back for changes keeps its submitted time: counted by that, the chair's
    notice said "3 of 4 submitted" while the summary and the reviews list said 2."""
    statuses = [
        ReturnStatus.SIGNED_OFF,
        ReturnStatus.SUBMITTED,
        ReturnStatus.RETURNED,
        ReturnStatus.IN_PROGRESS,
        ReturnStatus.WITHDRAWN,
    ]
    assert returns_progress("LOS-2026-001", statuses) == (
        "LOS-2026-001: 2 of 4 agency returns submitted, 1 signed off."
    )
