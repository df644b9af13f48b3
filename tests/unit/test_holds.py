"""Which rows a change to a return holds, and when (domain/holds.py): a practitioner's save, an
episode's removal and a submit hold the return itself before they read it, so on PostgreSQL
the read that decides whether the return may still be written sees what a racer holding it
committed (a save behind a submit finds it submitted; a submit behind a save checks what the
save wrote). A change to who may write a return holds it too, after its review, before it
changes anything: a save behind it reads who may write the return now.
tests/behaviour/test_races.py races a save against a submit, and against a removal, on the core."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import holds, lifecycle, returns, review_flow
from domain.errors import FormInvalid, NotFound, NotPermitted
from domain.model import Actor, MemberView, ReturnStatus, Role
from domain.returns import Nav
from tests.unit.test_lifecycle import RETURN_VIEW, REVIEW_VIEW

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
MEMBER = MemberView(7, 1, "aad-7", "Police Practitioner (demo)", 3, frozenset({Role.PRACTITIONER}))
ACTOR = Actor("tenant-1", "aad-7", "29:teams-7", "Police Practitioner (demo)")
CHAIR = MemberView(1, 1, "aad-1", "Review Chair (demo)", None, frozenset({Role.CHAIR}))


class _Returns:
    """Records what is asked of the returns, and finds none."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def lock(self, return_id: int) -> None:
        self.calls.append(("lock", return_id))

    def get(self, return_id: int) -> None:
        self.calls.append(("get", return_id))


class _Uow:
    def __init__(self) -> None:
        self.returns = _Returns()


Move = Callable[[Any, dict[str, object]], object]
MOVES: dict[str, Move] = {
    "save": lambda uow, data: returns.save_section(
        uow, ACTOR, MEMBER, data, Nav.SAVE, date(2026, 12, 6), NOW
    ),
    "remove an episode": lambda uow, data: returns.remove_episode(uow, ACTOR, MEMBER, data),
    "submit": lambda uow, data: returns.submit(uow, ACTOR, MEMBER, data, date(2026, 12, 6), NOW),
}


@pytest.mark.parametrize("move", MOVES)
def test_a_change_to_a_return_holds_it_before_reading_it(move: str) -> None:
    uow = _Uow()
    with pytest.raises(NotFound):
        MOVES[move](uow, {"return_id": 42})
    assert uow.returns.calls == [("lock", 42), ("get", 42)]


@pytest.mark.parametrize("move", MOVES)
@pytest.mark.parametrize("forged", ["4²", True, -1, 2**63, None])
def test_an_id_that_names_no_return_holds_nothing(move: str, forged: object) -> None:
    uow = _Uow()
    with pytest.raises(NotFound):
        MOVES[move](uow, {"return_id": forged})
    assert "lock" not in [call for call, _ in uow.returns.calls]


# --- changes to who may write a return ------------------------------------------------------


class _Recorder:
    """Every call asked of the store, in order, across its parts: a review with returns 5 and
    2 (listed out of id order), each in progress with no one on it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        self.returns = _Part(self, "return")
        self.reviews = _Part(self, "review")
        self.members = _Part(self, "member")

    def ret(self, return_id: int) -> object:
        return replace(RETURN_VIEW, id=return_id, status=ReturnStatus.IN_PROGRESS)


class _Part:
    def __init__(self, store: _Recorder, kind: str) -> None:
        self._store, self._kind = store, kind

    def __getattr__(self, name: str) -> Callable[..., object]:
        def call(*args: object) -> object:
            self._store.calls.append((f"{self._kind}.{name}", args[-1] if args else None))
            if (self._kind, name) == ("return", "get"):
                return self._store.ret(int(str(args[0])))
            if (self._kind, name) == ("review", "get"):
                return REVIEW_VIEW
            if (self._kind, name) == ("review", "returns"):
                return [self._store.ret(5), self._store.ret(2)]
            if (self._kind, name) == ("member", "by_aad_ids"):
                return {}
            return [] if name == "assign" else None

        return call


def _locks(calls: list[tuple[str, object]]) -> list[tuple[str, object]]:
    return [call for call in calls if call[0].endswith(".lock")]


def test_a_chairs_control_on_a_return_holds_its_review_then_the_return_before_reading_it() -> None:
    """Reassigning (and every control on one agency's return) changes nothing until the return
    is held, after its review: the one order (domain/holds.py)."""
    uow = _Recorder()
    with pytest.raises(FormInvalid):  # no one chosen: refused after the holds, before any write
        lifecycle.reassign(uow, ACTOR, CHAIR, {"return_id": 5, "assignees": ""})  # type: ignore[arg-type]
    assert _locks(uow.calls) == [("review.lock", 1), ("return.lock", 5)]
    after = uow.calls[uow.calls.index(("return.lock", 5)) + 1 :]
    assert after[0] == ("return.get", 5), "read again once held"
    assert not [call for call, _ in uow.calls if call in ("return.unassign", "return.assign")]


def test_assigning_holds_every_return_of_the_review_in_id_order_before_assigning() -> None:
    uow = _Recorder()
    with pytest.raises(FormInvalid):  # no one chosen anywhere
        review_flow.assign(uow, ACTOR, CHAIR, {"review_id": 1})  # type: ignore[arg-type]
    assert _locks(uow.calls) == [("review.lock", 1), ("return.lock", 2), ("return.lock", 5)]
    last_lock = uow.calls.index(("return.lock", 5))
    assigns = [n for n, (call, _) in enumerate(uow.calls) if call == "return.assign"]
    assert assigns
    assert min(assigns) > last_lock


# --- changes to an agency's leads -----------------------------------------------------------

LEAD = MemberView(9, 1, "aad-9", "Police Lead (demo)", 3, frozenset({Role.AGENCY_LEAD}))
NO_LONGER_LEAD = replace(LEAD, roles=frozenset({Role.PRACTITIONER}))


class _LeadStore:
    """A police return (agency 3) and its lead as committed now (`now`, None: gone); every
    call recorded, in order."""

    def __init__(self, now: MemberView | None, ret: Any = None) -> None:
        self.calls: list[tuple[str, object]] = []
        self.now = now
        self.ret = ret or replace(
            RETURN_VIEW, id=42, agency_id=3, status=ReturnStatus.SUBMITTED, chair_member_id=1
        )
        self.returns = _Calls(self, "return")
        self.reviews = _Calls(self, "review")
        self.members = _Calls(self, "member")


class _Calls:
    def __init__(self, store: _LeadStore, kind: str) -> None:
        self._store, self._kind = store, kind

    def __getattr__(self, name: str) -> Callable[..., object]:
        def call(*args: object) -> object:
            self._store.calls.append((f"{self._kind}.{name}", args[-1] if args else None))
            if (self._kind, name) == ("return", "get"):
                return self._store.ret
            if (self._kind, name) == ("member", "current"):
                return self._store.now
            return None

        return call


def test_every_return_not_settled_is_open_to_its_leads() -> None:
    assert {
        ReturnStatus.NOT_STARTED,
        ReturnStatus.IN_PROGRESS,
        ReturnStatus.SUBMITTED,
        ReturnStatus.RETURNED,
        ReturnStatus.NIL_PENDING,
    } == holds.OPEN_TO_LEADS


def test_a_lead_is_read_again_and_a_removed_lead_no_longer_leads() -> None:
    store = _LeadStore(NO_LONGER_LEAD)
    assert holds.as_held(store, LEAD, 3) == NO_LONGER_LEAD  # type: ignore[arg-type]
    assert store.calls == [("member.current", 9)]
    gone = holds.as_held(_LeadStore(None), LEAD, 3)  # type: ignore[arg-type]
    assert not gone.leads(3)


@pytest.mark.parametrize("agency_id", [4, None])
def test_anyone_not_leading_the_agency_is_not_read_again(agency_id: int | None) -> None:
    """Refused anyway (or writing as an assignee): a practitioner's save reads nothing more."""
    store = _LeadStore(NO_LONGER_LEAD)
    assert holds.as_held(store, LEAD, agency_id) is LEAD  # type: ignore[arg-type]
    assert holds.as_held(store, MEMBER, 3) is MEMBER  # type: ignore[arg-type]
    assert store.calls == []


def test_a_leads_save_behind_their_removal_reads_them_after_the_hold_and_is_refused() -> None:
    store = _LeadStore(NO_LONGER_LEAD, replace(RETURN_VIEW, id=42, agency_id=3))
    with pytest.raises(NotFound, match="isn't one you can open"):
        returns.save_section(
            store,  # type: ignore[arg-type]
            ACTOR,
            LEAD,
            {"return_id": 42},
            Nav.SAVE,
            date(2026, 12, 6),
            NOW,
        )
    assert store.calls == [("return.lock", 42), ("return.get", 42), ("member.current", 9)]


def test_an_assigned_writer_is_not_read_again() -> None:
    """Their access is the return's own assignee list, read after the hold: no query more on
    the practitioner's save, lead or not."""
    ret = replace(RETURN_VIEW, id=42, agency_id=3, assignee_ids=frozenset({7, 9}))
    for writer in (MEMBER, LEAD):
        store = _LeadStore(NO_LONGER_LEAD, ret)
        assert returns.load(store, writer, 42, write=True) == ret  # type: ignore[arg-type]
        assert store.calls == [("return.get", 42)]


def test_a_sign_off_behind_the_leads_removal_is_refused_once_held() -> None:
    store = _LeadStore(NO_LONGER_LEAD)
    with pytest.raises(NotPermitted, match="Only a safeguarding lead"):
        returns.sign_off(store, ACTOR, LEAD, {"return_id": 42}, True, NOW)  # type: ignore[arg-type]
    held = store.calls.index(("return.lock", 42))
    assert store.calls.index(("member.current", 9)) > held
    assert not [call for call, _ in store.calls if call == "return.transition"]


def test_a_nil_confirmation_behind_the_leads_removal_is_refused_once_held() -> None:
    store = _LeadStore(NO_LONGER_LEAD, replace(RETURN_VIEW, id=42, agency_id=3))
    store.ret = replace(store.ret, status=ReturnStatus.NIL_PENDING)
    with pytest.raises(NotPermitted, match="can confirm this"):
        lifecycle.answer_nil(store, ACTOR, LEAD, {"return_id": 42}, True, NOW)  # type: ignore[arg-type]
    held = store.calls.index(("return.lock", 42))
    assert store.calls.index(("member.current", 9)) > held
