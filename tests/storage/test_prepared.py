"""Prepared statements (storage/prepared.py) read and write exactly what Session.execute does,
in the unit's own transaction, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, event, insert, select
from sqlalchemy.exc import IntegrityError

from domain.repositories import AuditEntry
from storage import tables as t
from storage.database import Database
from storage.demo import load_demo
from storage.prepared import NotPreparable, Prepared
from storage.repositories import _APPEND_AUDIT, _MEMBER_BY_ID, _MEMBER_IN_TENANT, _audit_row
from storage.reviews import _ANSWERS, _RETURN_VIEW, _UPDATE_ANSWER
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


def _both(db: Database, prepared: Prepared, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    with db.session() as session, session.begin():
        ours = [tuple(row) for row in prepared.all(session, params)]
        theirs = [tuple(row) for row in session.execute(prepared.statement, params)]
    return ours, theirs


def _types(rows: list[Any]) -> list[list[type]]:
    return [[type(value) for value in row] for row in rows]


def test_reads_what_session_execute_reads_values_and_types(demo: Database) -> None:
    return_id = _return_id(demo)
    _store_answers(demo, return_id)
    cases: list[tuple[Prepared, dict[str, Any]]] = [
        (_MEMBER_IN_TENANT, {"tenant_id": TENANT, "aad_object_id": USER_AAD}),
        (_RETURN_VIEW, {"id": return_id}),
        (_ANSWERS, {"return_id": return_id}),
    ]
    for prepared, params in cases:
        ours, theirs = _both(demo, prepared, params)
        assert ours, f"{params}: the demo data should have a row"
        assert ours == theirs
        assert _types(ours) == _types(theirs)
    answers, _ = _both(demo, _ANSWERS, {"return_id": return_id})
    stored = {row[0]: (row[2], row[6]) for row in answers}
    assert stored["q_list"] == (["health", "police"], True)  # JSON decoded, boolean a bool
    assert stored["q_object"] == ({"answer": "yes", "detail": "Child K's GP"}, False)


def test_rows_read_by_name_and_position(demo: Database) -> None:
    with demo.session() as session, session.begin():
        row = _MEMBER_IN_TENANT.first(session, {"tenant_id": TENANT, "aad_object_id": USER_AAD})
        assert row is not None
        assert row.id == row[0]
        assert row._asdict()["aad_object_id"] == USER_AAD
        nobody = _MEMBER_IN_TENANT.first(session, {"tenant_id": TENANT, "aad_object_id": "x"})
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
        assert _UPDATE_ANSWER.rowcount(session, update) == 1
        assert _UPDATE_ANSWER.rowcount(session, update) == 0  # the revision moved on: the lock
        session.rollback()
    assert _answer(demo, "q_text") == ("Early help team", 1)
    with demo.session() as session, session.begin():
        assert _UPDATE_ANSWER.rowcount(session, update) == 1
    assert _answer(demo, "q_text") == ({"changed": True}, 2)


def _answer(db: Database, question_id: str) -> tuple[Any, int]:
    with db.session() as session:
        row = session.execute(
            select(t.Answer.value, t.Answer.revision).where(t.Answer.question_id == question_id)
        ).one()
    return row[0], row[1]


def test_an_audit_row_appended_reads_back_through_the_orm(demo: Database) -> None:
    entry = AuditEntry(None, USER_AAD, "test.prepared", "member", "7", before={"a": 1})
    with demo.session() as session, session.begin():
        _APPEND_AUDIT.rowcount(session, _audit_row(entry))
    with demo.session() as session:
        row = session.scalars(
            select(t.AuditEvent).where(t.AuditEvent.action == "test.prepared")
        ).one()
    assert (row.actor_aad_id, row.record_id, row.before, row.after) == (
        USER_AAD,
        "7",
        {"a": 1},
        None,
    )
    assert row.at is not None


def test_driver_errors_are_raised_as_sqlalchemys(demo: Database) -> None:
    entry = AuditEntry(999_999, USER_AAD, "test.prepared", "member", "7")  # no such partnership
    with pytest.raises(IntegrityError), demo.session() as session, session.begin():
        _APPEND_AUDIT.rowcount(session, _audit_row(entry))
    with demo.session() as session, session.begin():  # the session is usable again
        assert _MEMBER_BY_ID.first(session, {"member_id": -1}) is None


def test_reads_see_the_units_pending_orm_changes_as_session_execute_does(demo: Database) -> None:
    return_id = _return_id(demo)
    with demo.session() as session, session.begin():
        row = session.get_one(t.PreAnalysisReturn, return_id)
        row.current_section = 7  # pending, not flushed
        found = _RETURN_VIEW.first(session, {"id": return_id})
        assert found is not None
        assert found.current_section == 7


def test_a_parameter_used_twice_is_sent_twice(demo: Database) -> None:
    member = t.core(t.Member)
    twice = Prepared(
        select(member.c.id).where(
            member.c.aad_object_id == bindparam("aad"), member.c.display_name != bindparam("aad")
        )
    )
    with demo.session() as session:
        assert twice.first(session, {"aad": USER_AAD}) is not None


def test_cursor_events_see_prepared_statements_as_sqlalchemy_sends_them(demo: Database) -> None:
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
            row = _MEMBER_IN_TENANT.first(session, {"tenant_id": TENANT, "aad_object_id": USER_AAD})
    finally:
        event.remove(demo.engine, "before_cursor_execute", trace)
        event.remove(demo.engine, "after_cursor_execute", finish)
    assert row is not None
    members = [(s, span) for s, span in sent if s.startswith("SELECT member.id")]
    assert members, sent
    assert all(s.endswith(" -- traced") and span == "span-1" for s, span in members)


def test_a_missing_parameter_is_refused_not_sent_as_null(demo: Database) -> None:
    with pytest.raises(KeyError, match="tenant_id"), demo.session() as session:
        _MEMBER_IN_TENANT.first(session, {"aad_object_id": USER_AAD})


_SCRATCH = Table("scratch", MetaData(), Column("id", Integer, primary_key=True))
_WITH_DEFAULT = Table(
    "scratch_default", MetaData(), Column("id", Integer), Column("n", Integer, default=5)
)


@pytest.mark.parametrize(
    ("statement", "columns"),
    [
        pytest.param(insert(_WITH_DEFAULT), ("id",), id="python-side column default"),
        pytest.param(
            select(_SCRATCH.c.id).where(_SCRATCH.c.id.in_(bindparam("ids", expanding=True))),
            (),
            id="expanding IN",
        ),
    ],
)
def test_statements_that_need_sqlalchemy_at_execution_are_refused(
    migrated_sqlite: Database, statement: Any, columns: tuple[str, ...]
) -> None:
    prepared = Prepared(statement, column_keys=columns)
    with pytest.raises(NotPreparable), migrated_sqlite.session() as session:
        prepared.rowcount(session, {"id": 1, "ids": [1]})
