"""`returns_on`: the returns of several reviews in one query (what `sign_offs_beside` reads
for a lead's `continue`), the same as `returns` review by review, on SQLite and PostgreSQL."""

from __future__ import annotations

from domain.repositories import UnitOfWork
from storage.database import Database
from tests.support.partnership import seed


def test_the_returns_of_several_reviews_are_each_review_s_returns(migrated: Database) -> None:
    s = seed(migrated)
    ids = sorted(s.reviews.values())
    assert len(ids) > 1

    def read(uow: UnitOfWork) -> tuple[list[int], list[int]]:
        together = [r.id for r in uow.reviews.returns_on(ids)]
        apart = [r.id for i in ids for r in uow.reviews.returns(i)]
        assert uow.reviews.returns_on([]) == []
        return together, apart

    together, apart = migrated.transaction(read)
    assert together
    assert together == apart, "by review, then agency, as `returns` gives each"
