"""Which copies of a chaser are the chair's part, read by a stand-in with its own line
(domain/chase_engine.py `reads_for_the_chair`): the chair's and deputy's copies and reports to
the chair; never a lead's or the LIC's, whoever else their reader is."""

from __future__ import annotations

import pytest

from domain.chase_engine import ESCALATION, REPORT, Copy, reads_for_the_chair
from domain.chase_messages import Reads


@pytest.mark.parametrize("reads", [Reads.CHAIR, Reads.DEPUTY_CHAIR])
def test_the_chair_s_copies_are_the_chair_s_part(reads: Reads) -> None:
    assert reads_for_the_chair(Copy("k", reads.value, 7, ESCALATION))


@pytest.mark.parametrize(
    "reads", [Reads.OWNER, Reads.AGENCY_LEAD, Reads.LIC_CHANNEL, Reads.LIC_MEMBER]
)
def test_a_lead_s_or_the_lic_s_copy_is_theirs(reads: Reads) -> None:
    assert not reads_for_the_chair(Copy("k", reads.value, 7, ESCALATION))


def test_a_report_of_what_didn_t_get_through_is_the_chair_s() -> None:
    assert reads_for_the_chair(Copy("k", "chair_undelivered", 7, REPORT))
