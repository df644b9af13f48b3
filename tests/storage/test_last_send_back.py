"""A return's last send-back (migration 0017), on SQLite and PostgreSQL: the lead's comments,
who sent it back and when are stored with the send-back and kept when the return is submitted
again, for the sign-off card to say what was asked; the migration puts a return its writers
had moved to "in progress" after a send-back back to "returned", and a downgrade takes the
two columns away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect, update
from sqlmodel import Session, create_engine, select

from domain.model import ReturnStatus
from domain.repositories import UnitOfWork
from storage import tables as t
from storage.database import Database
from storage.migrate import alembic_config, upgrade
from tests.support.partnership import POLICE_LEAD, TENANT, _seed, seed

SENT = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
COMMENTS = "Say who held the strategy meeting.\nAnd when."


def _submitted(db: Database) -> tuple[int, int]:
    """A seeded return put at "submitted", and the police lead's member id."""
    s = seed(db)
    with db.session() as session, session.begin():
        ret = session.scalars(select(t.PreAnalysisReturn).order_by(t.PreAnalysisReturn.id)).first()
        assert ret is not None
        assert ret.id is not None
        ret.status = ReturnStatus.SUBMITTED.value
        return ret.id, s.members[POLICE_LEAD]


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def test_a_send_back_is_kept_when_the_return_is_submitted_again(migrated: Database) -> None:
    return_id, lead = _submitted(migrated)

    def send_back(uow: UnitOfWork) -> None:
        fields = {
            "status": ReturnStatus.RETURNED.value,
            "returned_comments": COMMENTS,
            "returned_by": lead,
            "returned_at": SENT,
        }
        assert uow.returns.transition(return_id, {ReturnStatus.SUBMITTED}, fields, at=SENT)

    migrated.transaction(send_back)
    returned = migrated.transaction(lambda uow: uow.returns.get(return_id))
    assert returned is not None
    assert returned.sent_back is not None
    assert (returned.sent_back.comments, returned.sent_back.by) == (COMMENTS, lead)
    assert _aware(returned.sent_back.at) == SENT
    assert returned.returned_comments == COMMENTS, "with its writers: theirs to act on"

    later = SENT + timedelta(days=1)
    resubmit = {"status": ReturnStatus.SUBMITTED.value, "submitted_at": later}
    migrated.transaction(
        lambda uow: uow.returns.transition(return_id, {ReturnStatus.RETURNED}, resubmit, at=later)
    )
    again = migrated.transaction(lambda uow: uow.returns.get(return_id))
    assert again is not None
    assert again.status is ReturnStatus.SUBMITTED
    assert again.sent_back == returned.sent_back, "kept for the lead's sign-off card"
    assert again.returned_comments is None, "answered by the resubmission"
    listed = migrated.transaction(
        lambda uow: uow.returns.awaiting_lead(again.partnership_id, {again.agency_id})
    )
    assert [r.sent_back for r in listed if r.id == return_id] == [again.sent_back]


def test_a_return_never_sent_back_has_no_send_back(migrated: Database) -> None:
    return_id, _ = _submitted(migrated)
    ret = migrated.transaction(lambda uow: uow.returns.get(return_id))
    assert ret is not None
    assert ret.sent_back is None
    assert ret.returned_comments is None


def test_the_migration_puts_a_return_being_changed_back_to_returned(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            _seed(session, TENANT)
            session.commit()
            ids = list(
                session.scalars(select(t.PreAnalysisReturn.id).order_by(t.PreAnalysisReturn.id))
            )
        assert len(ids) >= 3
        changing, untouched, started = ids[:3]
        command.downgrade(alembic_config(database_url), "0016")
        columns = {c["name"] for c in inspect(engine).get_columns("pre_analysis_return")}
        assert not {"returned_by", "returned_at"} & columns
        with engine.begin() as connection:
            returns = t.PreAnalysisReturn.__table__
            # Before 0017: sent back, then moved on by its writers' first save (comments
            # kept until the next submit), beside one submitted and one merely started.
            connection.execute(
                update(returns)
                .where(returns.c.id == changing)
                .values(status="in_progress", returned_comments=COMMENTS)
            )
            connection.execute(
                update(returns).where(returns.c.id == untouched).values(status="submitted")
            )
            connection.execute(
                update(returns)
                .where(returns.c.id == started)
                .values(status="in_progress", returned_comments=None)
            )
        upgrade(database_url)
        keys = inspect(engine).get_foreign_keys("pre_analysis_return")
        assert any(k["constrained_columns"] == ["returned_by"] for k in keys)
        with Session(engine) as session:
            rows = {r.id: r for r in session.scalars(select(t.PreAnalysisReturn))}
    finally:
        engine.dispose()
    assert rows[changing].status == "returned"
    assert rows[changing].returned_comments == COMMENTS
    assert (rows[changing].returned_by, rows[changing].returned_at) == (None, None)
    assert rows[untouched].status == "submitted"
    assert rows[started].status == "in_progress"


def test_a_downgrade_clears_a_resubmitted_return_s_kept_send_back(database_url: str) -> None:
    """review13a: the code before 0017 shows any comments on a return as "Returned by your
    agency lead"; a submitted return's kept send-back is cleared on the way down, a return
    still being changed keeps its comments."""
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            _seed(session, TENANT)
            session.commit()
            ids = list(
                session.scalars(select(t.PreAnalysisReturn.id).order_by(t.PreAnalysisReturn.id))
            )
        resubmitted, changing = ids[:2]
        returns = t.PreAnalysisReturn.__table__
        with engine.begin() as connection:
            for return_id, status in ((resubmitted, "submitted"), (changing, "returned")):
                connection.execute(
                    update(returns)
                    .where(returns.c.id == return_id)
                    .values(status=status, returned_comments=COMMENTS)
                )
        command.downgrade(alembic_config(database_url), "0016")
        with engine.connect() as connection:
            kept = dict(
                connection.execute(
                    select(returns.c.id, returns.c.returned_comments).where(
                        returns.c.id.in_([resubmitted, changing])
                    )
                ).all()
            )
    finally:
        engine.dispose()
    assert kept == {resubmitted: None, changing: COMMENTS}
