"""What a resubmitted return's sign-off card says its lead sent back before
(`domain.returns.sent_back_before`), and the comments still to act on
(`ReturnView.returned_comments`): one rule each, by status, reader and what was recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cards import returns as cards
from domain.model import MemberView, ReturnStatus, Role
from domain.records import SentBack
from domain.return_state import WRITABLE
from domain.returns import Overview, ReturnRole, lead_notice_view, sent_back_before
from tests.unit.test_return_cards import RET

LEAD, OTHER_LEAD = 3, 9
# 23:30 UTC on 3 Dec is still 3 Dec in London; 23:30 UTC on 30 Jun is 1 Jul there.
WINTER = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
SUMMER = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
ASKED = "Say who held the strategy meeting."
SENT = SentBack(ASKED, LEAD, WINTER)
RESUBMITTED = replace(RET, status=ReturnStatus.SUBMITTED, sent_back=SENT)


def lead(member_id: int) -> MemberView:
    return MemberView(
        member_id, 1, None, f"Lead {member_id}", RET.agency_id, frozenset({Role.AGENCY_LEAD})
    )


def test_the_lead_who_sent_it_back_reads_you_with_the_day() -> None:
    line = sent_back_before(lead(LEAD), RESUBMITTED, "Lead 3")
    assert line == f"You sent this back on 3 Dec 2026: {ASKED}"


def test_another_lead_reads_who_sent_it_back() -> None:
    line = sent_back_before(lead(OTHER_LEAD), RESUBMITTED, "Police Lead (demo)")
    assert line == f"Police Lead (demo) sent this back on 3 Dec 2026: {ASKED}"


def test_the_day_is_the_partnership_s_day() -> None:
    summer = replace(RESUBMITTED, sent_back=replace(SENT, at=SUMMER))
    assert "on 1 Jul 2026:" in (sent_back_before(lead(LEAD), summer, None) or "")


def test_a_send_back_from_before_who_and_when_were_kept_says_neither() -> None:
    old = replace(RESUBMITTED, sent_back=SentBack(ASKED))
    assert sent_back_before(lead(LEAD), old, None) == f"This return was sent back: {ASKED}"


@pytest.mark.parametrize("status", [s for s in ReturnStatus if s is not ReturnStatus.SUBMITTED])
def test_only_a_return_waiting_for_sign_off_says_it(status: ReturnStatus) -> None:
    assert sent_back_before(lead(LEAD), replace(RESUBMITTED, status=status), "Lead 3") is None


def test_a_return_never_sent_back_says_nothing() -> None:
    never = replace(RESUBMITTED, sent_back=None)
    assert sent_back_before(lead(LEAD), never, None) is None


@pytest.mark.parametrize("status", list(ReturnStatus))
def test_the_comments_are_to_act_on_only_while_it_is_with_its_writers(
    status: ReturnStatus,
) -> None:
    ret = replace(RESUBMITTED, status=status)
    assert ret.returned_comments == (ASKED if status in WRITABLE else None)
    assert ret.sent_back == SENT, "kept whatever the status"


def test_each_lead_s_notice_reads_for_that_lead() -> None:
    """The sign-off notice is drawn once (for the submitter) and sent to each lead: the lead
    who sent it back reads "You", a fellow lead reads the name."""
    drawn = Overview(
        RESUBMITTED,
        (),
        0,
        (),
        read_only=True,
        role=ReturnRole.READER,
        sent_back_before=sent_back_before(lead(99), RESUBMITTED, "Lead 3"),
        sent_back_by_name="Lead 3",
    )
    mine = lead_notice_view(lead(LEAD), drawn, ())
    theirs = lead_notice_view(lead(OTHER_LEAD), drawn, ())
    assert mine.sent_back_before == f"You sent this back on 3 Dec 2026: {ASKED}"
    assert theirs.sent_back_before == f"Lead 3 sent this back on 3 Dec 2026: {ASKED}"
    assert mine.sent_back_before in json.dumps(cards.signoff_card(mine), ensure_ascii=False)


def test_the_sent_back_comments_are_inert_on_the_card() -> None:
    hostile = replace(
        RESUBMITTED, sent_back=replace(SENT, comments="[open me](https://evil.example/x) **now**")
    )
    summary = Overview(
        hostile,
        (),
        0,
        (),
        read_only=True,
        sent_back_before=sent_back_before(lead(LEAD), hostile, None),
    )
    text = json.dumps(cards.signoff_card(summary), ensure_ascii=False)
    assert "You sent this back on 3 Dec 2026" in text
    assert "](https://evil.example/x)" not in text
    assert "**now**" not in text
