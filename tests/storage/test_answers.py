"""Answers and the return row on both databases: the optimistic lock that keeps a colleague's
concurrent save from being overwritten, and the single-statement writes of a save turn."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from domain.errors import StaleCard
from domain.model import ReturnStatus
from storage import tables as t
from storage.database import Database
from storage.demo import load_demo
from tests.support.activities import TENANT, USER_AAD

KEY = ("q1_agency_involvement", 0)


@pytest.fixture
def return_id(migrated: Database) -> int:
    load_demo(migrated.url, TENANT, USER_AAD)
    with migrated.session() as session:
        found = session.scalars(select(t.PreAnalysisReturn.id)).first()
    assert found is not None
    return int(found)


@pytest.fixture
def member_id(migrated: Database) -> int:
    with migrated.session() as session:
        found = session.scalars(select(t.Member.id)).first()
    assert found is not None
    return int(found)


def test_a_new_answer_then_a_change_at_the_revision_read(
    migrated: Database, return_id: int, member_id: int
) -> None:
    first = migrated.transaction(
        lambda uow: uow.returns.save_answer(
            return_id, KEY, "Early help", member_id, False, revision=0
        )
    )
    assert first is not None
    assert first.revision == 1
    second = migrated.transaction(
        lambda uow: uow.returns.save_answer(return_id, KEY, ["a", "b"], member_id, True, revision=1)
    )
    assert second is not None
    assert second.revision == 2
    stored = migrated.transaction(lambda uow: uow.returns.answers(return_id))
    assert stored[KEY].value == ["a", "b"]
    assert stored[KEY].revision == 2
    assert stored[KEY].confirmed is True
    assert stored[KEY].updated_by == member_id
    assert stored[KEY].updated_by_name  # joined from the member


def test_a_write_at_an_old_revision_changes_nothing(
    migrated: Database, return_id: int, member_id: int
) -> None:
    for revision, value in ((0, "first"), (1, "second")):
        migrated.transaction(
            lambda uow, r=revision, v=value: uow.returns.save_answer(
                return_id, KEY, v, member_id, False, revision=r
            )
        )
    # Both writers read revision 1; the second to write must not overwrite the first.
    stale = migrated.transaction(
        lambda uow: uow.returns.save_answer(return_id, KEY, "late", member_id, False, revision=1)
    )
    assert stale is None
    # Both read "no answer yet"; the second insert must not replace the first.
    again = migrated.transaction(
        lambda uow: uow.returns.save_answer(return_id, KEY, "late", member_id, False, revision=0)
    )
    assert again is None
    stored = migrated.transaction(lambda uow: uow.returns.answers(return_id))
    assert stored[KEY].value == "second"
    assert stored[KEY].revision == 2


def test_deleting_an_answer_and_updating_the_return(
    migrated: Database, return_id: int, member_id: int
) -> None:
    migrated.transaction(
        lambda uow: uow.returns.save_answer(return_id, KEY, "x", member_id, False, revision=0)
    )
    # Deleting is locked the same way: not at a revision a colleague has moved on from.
    assert not migrated.transaction(
        lambda uow: uow.returns.delete_answer(return_id, KEY, revision=2)
    )
    assert KEY in migrated.transaction(lambda uow: uow.returns.answers(return_id))
    assert migrated.transaction(lambda uow: uow.returns.delete_answer(return_id, KEY, revision=1))
    assert KEY not in migrated.transaction(lambda uow: uow.returns.answers(return_id))

    before = migrated.transaction(lambda uow: uow.returns.get(return_id))
    assert before is not None
    migrated.transaction(
        lambda uow: uow.returns.update(
            return_id, {"current_section": 3, "status": ReturnStatus.IN_PROGRESS.value}
        )
    )
    after = migrated.transaction(lambda uow: uow.returns.get(return_id))
    assert after is not None
    assert (after.current_section, after.status) == (3, ReturnStatus.IN_PROGRESS)
    with migrated.session() as session:
        row = session.get_one(t.PreAnalysisReturn, return_id)
        assert row.updated_at is not None


def test_two_concurrent_saves_of_one_answer_keep_exactly_one(
    migrated: Database, return_id: int, member_id: int
) -> None:
    """Both read revision 0 and write: one wins, the other is told (StaleCard), never both."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def writer(value: str) -> None:
        def work(uow: object) -> None:
            stored = uow.returns.answers(return_id)  # type: ignore[attr-defined]
            current = stored.get(KEY)
            barrier.wait(timeout=10)
            saved = uow.returns.save_answer(  # type: ignore[attr-defined]
                return_id, KEY, value, member_id, False, revision=current.revision if current else 0
            )
            if saved is None:
                raise StaleCard("moved")

        try:
            migrated.transaction(work)
            outcomes.append("saved")
        except StaleCard:
            outcomes.append("stale")
        except Exception as error:  # SQLite: the second writer may find the file locked
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=writer, args=(v,)) for v in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert outcomes.count("saved") == 1, outcomes
    stored = migrated.transaction(lambda uow: uow.returns.answers(return_id))
    assert stored[KEY].revision == 1
    assert stored[KEY].value in ("one", "two")
