"""The save turn's prebuilt statements run on the unit's connection (storage/statements.py)
read and write exactly what Session.execute does, in the unit's own transaction, on both
backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Executable, event, select
from sqlalchemy.exc import IntegrityError

from domain.repositories import AuditEntry
from storage import tables as t
from storage.database import Database
from storage.demo import load_demo
from storage.repositories import _APPEND_AUDIT, _MEMBER_BY_ID, _MEMBER_IN_TENANT, _audit_row
from storage.reviews import _ANSWERS, _LOCK_RETURN, _RETURN_VIEW, _UPDATE_ANSWER
from storage.statements import execute
from tests.support.activities import TENANT, USER_AAD

ANSWERS: list[tuple[str, Any]] = [
    ("q_text", "Early help team"),
    ("q_list", ["health", "police"]),
    ("q_object", {"answer": "yes", "detail": "Child K's GP"}),
]


@pytest.fixture
def demo(migrated: Database) -> Database:
    load_demo(migrated.url, TENANT, USER_AAD)
    return migrated


def _return_id(db: Database) -> int:
    with db.session() as session:
        return int(session.scalars(select(t.PreAnalysisReturn.id)).first() or 0)


def _store_answers(db: Database, return_id: int) -> None:
    with db.session() as session, session.begin():
        for question_id, value in ANSWERS:
            session.add(
                t.Answer(
                    return_id=return_id,
                    question_id=question_id,
                    value=value,
                    identifier_warning_confirmed=question_id == "q_list",
                    updated_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
                )
            )


def _both(
    db: Database, statement: Executable, params: dict[str, Any]
) -> tuple[list[Any], list[Any]]:
    with db.session() as session, session.begin():
        ours = [tuple(row) for row in execute(session, statement, params)]
        theirs = [tuple(row) for row in session.execute(statement, params)]
    return ours, theirs


def _types(rows: list[Any]) -> list[list[type]]:
    return [[type(value) for value in row] for row in rows]


def test_reads_what_session_execute_reads_values_and_types(demo: Database) -> None:
    return_id = _return_id(demo)
    _store_answers(demo, return_id)
    cases: list[tuple[Executable, dict[str, Any]]] = [
        (_MEMBER_IN_TENANT, {"tenant_id": TENANT, "aad_object_id": USER_AAD}),
        (_RETURN_VIEW, {"id": return_id}),
        (_LOCK_RETURN, {"id": return_id}),
        (_ANSWERS, {"return_id": return_id}),
    ]
    for statement, params in cases:
        ours, theirs = _both(demo, statement, params)
        assert ours, f"{params}: the demo data should have a row"
        assert ours == theirs
        assert _types(ours) == _types(theirs)
    answers, _ = _both(demo, _ANSWERS, {"return_id": return_id})
    stored = {row[0]: (row[2], row[6]) for row in answers}
    assert stored["q_list"] == (["health", "police"], True)  # JSON decoded, boolean a bool
    assert stored["q_object"] == ({"answer": "yes", "detail": "Child K's GP"}, False)


def test_rows_read_by_name_and_position(demo: Database) -> None:
    with demo.session() as session, session.begin():
        row = execute(
            session, _MEMBER_IN_TENANT, {"tenant_id": TENANT, "aad_object_id": USER_AAD}
        ).first()
        assert row is not None
        assert row.id == row[0]
        assert row._asdict()["aad_object_id"] == USER_AAD
        nobody = execute(
            session, _MEMBER_IN_TENANT, {"tenant_id": TENANT, "aad_object_id": "x"}
        ).first()
        assert nobody is None


def test_writes_join_the_units_transaction(demo: Database) -> None:
    return_id = _return_id(demo)
    _store_answers(demo, return_id)
    when = datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    update = {
        "key_return_id": return_id,
        "key_question_id": "q_text",
        "key_episode": 0,
        "key_revision": 1,
        "new_value": {"changed": True},
        "new_updated_by": None,
        "new_updated_at": when,
        "new_confirmed": True,
    }
    with demo.session() as session, session.begin():
        assert execute(session, _UPDATE_ANSWER, update).rowcount == 1
        assert (
            execute(session, _UPDATE_ANSWER, update).rowcount == 0
        )  # the revision moved on: the lock
        session.rollback()
    assert _answer(demo, "q_text") == ("Early help team", 1)
    with demo.session() as session, session.begin():
        assert execute(session, _UPDATE_ANSWER, update).rowcount == 1
    assert _answer(demo, "q_text") == ({"changed": True}, 2)


def _answer(db: Database, question_id: str) -> tuple[Any, int]:
    with db.session() as session:
        row = session.execute(
            select(t.Answer.value, t.Answer.revision).where(t.Answer.question_id == question_id)
        ).one()
    return row[0], row[1]


def test_an_audit_row_appended_reads_back_through_the_orm(demo: Database) -> None:
    entry = AuditEntry(None, USER_AAD, "test.statements", "member", "7", before={"a": 1})
    with demo.session() as session, session.begin():
        execute(session, _APPEND_AUDIT, _audit_row(entry))
    with demo.session() as session:
        row = session.scalars(
            select(t.AuditEvent).where(t.AuditEvent.action == "test.statements")
        ).one()
    assert (row.actor_aad_id, row.record_id, row.before, row.after) == (
        USER_AAD,
        "7",
        {"a": 1},
        None,
    )
    assert row.at is not None


def test_driver_errors_are_raised_as_sqlalchemys(demo: Database) -> None:
    entry = AuditEntry(999_999, USER_AAD, "test.statements", "member", "7")  # no such partnership
    with pytest.raises(IntegrityError), demo.session() as session, session.begin():
        execute(session, _APPEND_AUDIT, _audit_row(entry))
    with demo.session() as session, session.begin():  # the session is usable again
        assert execute(session, _MEMBER_BY_ID, {"member_id": -1}).first() is None


def test_reads_see_the_units_pending_orm_changes_as_session_execute_does(demo: Database) -> None:
    return_id = _return_id(demo)
    with demo.session() as session, session.begin():
        row = session.get_one(t.PreAnalysisReturn, return_id)
        row.current_section = 7  # pending, not flushed
        found = execute(session, _RETURN_VIEW, {"id": return_id}).first()
        assert found is not None
        assert found.current_section == 7


def test_cursor_events_see_the_statements_as_sqlalchemy_sends_them(demo: Database) -> None:
    """Statement counts (tests, bench.summary_bench) and tracing listen to these events: a
    tracer keeps its span on the context, and may add a comment to the statement."""
    sent: list[tuple[str, str]] = []

    def trace(_conn: Any, _cursor: Any, statement: str, params: Any, context: Any, _many: bool):
        context.span = "span-1"
        return statement + " -- traced", params

    def finish(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool):
        sent.append((statement, context.span))

    event.listen(demo.engine, "before_cursor_execute", trace, retval=True)
    event.listen(demo.engine, "after_cursor_execute", finish)
    try:
        with demo.session() as session:
            row = execute(
                session, _MEMBER_IN_TENANT, {"tenant_id": TENANT, "aad_object_id": USER_AAD}
            ).first()
    finally:
        event.remove(demo.engine, "before_cursor_execute", trace)
        event.remove(demo.engine, "after_cursor_execute", finish)
    assert row is not None
    members = [(s, span) for s, span in sent if s.startswith("SELECT member.id")]
    assert members, sent
    assert all(s.endswith(" -- traced") and span == "span-1" for s, span in members)
