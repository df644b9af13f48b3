"""Migration 0015 on both databases: existing records' owners are counted every chaser so far
(nothing says which went to an earlier owner, and that is what they were shown), and the
chaser log's open sends have their index; a downgrade takes both away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, update
from sqlmodel import Session, create_engine, select

from storage import tables as t
from storage.migrate import alembic_config, upgrade
from tests.support.partnership import TENANT, _seed

INDEX = "ix_chaser_log_outcome_attempted_at"


def test_existing_records_start_their_owners_count_from_the_records(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    with Session(engine) as session:
        _seed(session, TENANT)
        session.execute(update(t.PreAnalysisReturn).values(chase_count=2))
        session.commit()
    command.downgrade(alembic_config(database_url), "0014")
    assert INDEX not in {i["name"] for i in inspect(engine).get_indexes("chaser_log")}
    assert "owner_chase_count" not in {
        c["name"] for c in inspect(engine).get_columns("action_item")
    }
    upgrade(database_url)
    try:
        assert INDEX in {i["name"] for i in inspect(engine).get_indexes("chaser_log")}
        with Session(engine) as session:
            items = list(session.exec(select(t.ActionItem)))
            returns = list(session.exec(select(t.PreAnalysisReturn)))
    finally:
        engine.dispose()
    assert {i.chase_count for i in items} >= {1, 3}, "the seed's chased items"
    assert all(i.owner_chase_count == i.chase_count for i in items)
    assert returns
    assert all(r.owner_chase_count == r.chase_count == 2 for r in returns)
