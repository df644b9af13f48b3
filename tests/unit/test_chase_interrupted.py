"""A send left `attempted` by a sender that stopped mid-send (killed, crashed, restarted) has an
unknown outcome: settled once as `interrupted` after `STALE_AFTER`, never sent again, and
counted like an unknown outcome where the engine counts those."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import cast

from hypothesis import given
from hypothesis import strategies as st

from bot.channel import CONNECTOR_TIMEOUT_SECONDS
from bot.scheduler import MAX_SEND_WAIT_SECONDS
from cards import verbs
from cards.actions import undelivered_card
from domain import chase_engine as ce
from domain.chase_messages import Reads
from domain.chasers import SubjectKind
from domain.model import ActionStatus

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def _send(key: str, age: timedelta, recipient: str = "agency_lead") -> ce.OpenSend:
    return ce.OpenSend(key, 1, ce.ESCALATION, recipient, ce.ACTION, 7, NOW - age)


CHAIR, DEPUTY = 1, 2


def _record() -> ce.ChaseRow:
    subject = ce.ChaseSubject(SubjectKind.ACTION_ITEM, ActionStatus.OPEN, date(2027, 3, 31))
    return ce.ChaseRow(ce.ACTION, 7, 1, subject, (9,), (3,), CHAIR, "LOS-1/A1", "Audit", DEPUTY)


class _OpenLog:
    """Chaser log rows by (key, attempt): (outcome, attempted_at); reports logged apart."""

    def __init__(self, sends: list[ce.OpenSend]) -> None:
        self.rows = {(s.key, s.attempt): (ce.ATTEMPTED, s) for s in sends}
        self.reports: dict[str, list[tuple[int, str]]] = {}

    def row(self, subject_type: str, record_id: int) -> ce.ChaseRow:
        return _record()

    def outcomes(self, key: str) -> list[tuple[int, str]]:
        return self.reports.get(key, [])

    def log(self, row: object, key: str, attempt: int, *what: object, **flags: object) -> bool:
        # what: kind, recipient, outcome
        self.reports.setdefault(key, []).append((attempt, str(what[2])))
        return True

    def attempted_before(self, cutoff: datetime, limit: int) -> list[ce.OpenSend]:
        found = [
            send
            for outcome, send in self.rows.values()
            if outcome == ce.ATTEMPTED and send.attempted_at <= cutoff
        ]
        return found[:limit]

    def mark(self, key: str, attempt: int, outcome: str, *, was: str | None = None) -> None:
        found, send = self.rows[(key, attempt)]
        if was is None or found == was:
            self.rows[(key, attempt)] = (outcome, send)


def test_the_bound_outlasts_every_send_a_live_sender_can_hold_open() -> None:
    """A live sender holds a row attempted while it sends the chaser's other sends before it:
    each at most the pacing wait and two connector calls (a 401 is sent once more). Fifty of
    them fit inside the bound, and it is far past a claim's lease."""
    longest_send = timedelta(seconds=MAX_SEND_WAIT_SECONDS + 2 * CONNECTOR_TIMEOUT_SECONDS)
    assert 50 * longest_send <= ce.STALE_AFTER
    assert ce.STALE_AFTER > 100 * ce.LEASE


def test_a_send_open_longer_than_the_bound_is_interrupted_and_a_younger_one_is_not() -> None:
    old = _send("action_item:7:2:agency_lead:3", ce.STALE_AFTER)
    young = _send("action_item:7:2:chair:1", ce.STALE_AFTER - timedelta(seconds=1))
    assert ce.interrupted([old, young], NOW) == [old]


@given(ages=st.lists(st.integers(min_value=0, max_value=6 * 3600), max_size=12))
def test_exactly_the_sends_past_the_bound_are_interrupted(ages: list[int]) -> None:
    sends = [_send(f"action_item:7:1:chair:{n}", timedelta(seconds=a)) for n, a in enumerate(ages)]
    found = ce.interrupted(sends, NOW)
    bound = ce.STALE_AFTER.total_seconds()
    assert found == [s for s, a in zip(sends, ages, strict=True) if a >= bound]


def test_each_interrupted_send_is_settled_once_and_never_sent_again() -> None:
    old = _send("action_item:7:2:agency_lead:3", timedelta(hours=3))
    owner = _send("action_item:7:2", timedelta(hours=3), "owner")
    young = _send("action_item:7:2:chair:1", timedelta(minutes=5))
    log = _OpenLog([old, owner, young])
    repo = cast(ce.ChaseRepository, log)
    assert ce.settle_interrupted(repo, NOW).sends == [old, owner]
    assert log.rows[(old.key, 1)][0] == ce.INTERRUPTED
    assert log.rows[(young.key, 1)][0] == ce.ATTEMPTED, "its sender may still be sending"
    assert ce.settle_interrupted(repo, NOW).sends == [], "settled once: the next sweep finds none"
    assert not ce.copy_due([(1, ce.INTERRUPTED)]), "it may have arrived: never sent again"


def test_an_interrupted_owner_chaser_claimed_again_is_resent_once_marked() -> None:
    """The owner's own chaser, if its record comes due again, counts an interrupted send as
    an unknown outcome, as it always counted one its holder died in: resent once, marked."""
    once = ce.read_history([(1, ce.INTERRUPTED)])
    assert once.unknowns == 1
    assert not once.delivered
    assert ce.read_history([(1, ce.INTERRUPTED), (2, ce.UNKNOWN)]).unknowns == 2


def test_an_interrupted_send_reads_as_one_that_may_not_have_arrived() -> None:
    assert ce.outcome_words(ce.INTERRUPTED) == (
        "may not have arrived: the sender stopped while sending"
    )
    assert ce.outcome_words(ce.SENT) == ce.SENT


def test_the_chair_and_deputy_are_told_once_of_an_interrupted_copy_only() -> None:
    """A copy may not have reached the reader who was to be asked to help: the chair and
    deputy are told, once, on the key a failed copy's report has. Not of the owner's own
    chaser (claimed again, it is resent once), nor of a report, nor the chair of their own."""
    lead = _send("action_item:7:2:agency_lead:3", timedelta(hours=3))
    chairs = _send(f"action_item:7:2:chair:{CHAIR}", timedelta(hours=3), "chair")
    owner = _send("action_item:7:2", timedelta(hours=3), "owner")
    report = replace(
        _send("action_item:7:1:copy_undelivered:agency_lead:3", timedelta(hours=3)),
        kind=ce.REPORT,
    )
    log = _OpenLog([lead, chairs, owner, report])
    found = ce.settle_interrupted(cast(ce.ChaseRepository, log), NOW)
    assert len(found.sends) == 4
    by_reader = {r.reads: r for r in found.reports}
    assert set(by_reader) == {"agency_lead", "chair"}
    assert by_reader["agency_lead"].readers == (CHAIR, DEPUTY)
    assert by_reader["chair"].readers == (DEPUTY,), "the chair is not told of their own"
    key = "action_item:7:2:copy_undelivered:agency_lead:3"
    assert by_reader["agency_lead"].report_key == key
    assert log.reports[key] == [(1, ce.ATTEMPTED)], "claimed before it goes"
    ce.settle_report(cast(ce.ChaseRepository, log), by_reader["agency_lead"], ce.SENT)
    log.rows[(lead.key, 1)] = (ce.ATTEMPTED, lead)  # were it found open again
    again = ce.settle_interrupted(cast(ce.ChaseRepository, log), NOW)
    assert [r.reads for r in again.reports] == [], "once per copy"


def test_a_copy_key_names_its_chaser_reader_and_member() -> None:
    assert ce.copy_of("action_item:7:2:agency_lead:3") == ("action_item:7:2", "agency_lead", 3)
    assert ce.copy_of("action_item:7:2:lic_channel:0") == ("action_item:7:2", "lic_channel", 0)
    assert ce.copy_of("action_item:7:2") is None
    assert ce.copy_of("action_item:7:2:copy_undelivered:agency_lead:3") is None


def test_the_chairs_card_says_the_copy_may_not_have_arrived_not_that_it_failed() -> None:
    report = ce.Undelivered(
        _record(),
        ("Kelly Smith",),
        False,
        None,
        Reads.AGENCY_LEAD,
        ("Sam Jones",),
        interrupted=True,
    )
    text = json.dumps(undelivered_card(report))
    assert "Reminder may not have arrived" in text
    assert "The copy of Sam Jones's reminder to Kelly Smith" in text
    assert "may not have arrived" in text
    assert "I won't send it again in case it did" in text
    assert "couldn't deliver" not in text
    assert "not delivered" not in text
    assert verbs.ACTION_VIEW in text
