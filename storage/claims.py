"""Idempotency records: claimed with INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL
both), so of two concurrent duplicates exactly one inserts, and the other reads the first's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.idempotency import FRESH, Claimed, ClaimState, is_abandoned
from storage import tables as t
from storage.statements import execute

_RECORD = t.core(t.IdempotencyRecord)
# Every message and every state-changing click is claimed with who spoke: the insert runs on
# the unit's connection (storage/statements.py), and the row count says whether this turn
# took the claim (SQLAlchemy keeps an INSERT's row count only when asked: preserve_rowcount).
_CLAIM_SQLITE = (
    sqlite.insert(_RECORD)
    .inline()
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True)
)
_COMPLETE = (
    update(_RECORD)
    .where(
        _RECORD.c.partnership_id == bindparam("partnership"),
        _RECORD.c.token == bindparam("key"),
    )
    .values(state=ClaimState.DONE.value, reply=bindparam("new_reply", type_=_RECORD.c.reply.type))
)
_CLAIM_POSTGRESQL = (
    postgresql.insert(_RECORD)
    .inline()
    .on_conflict_do_nothing()
    .execution_options(preserve_rowcount=True)
)


class SqlClaims:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(
        self,
        partnership_id: int,
        member_id: int,
        token: str,
        verb: str,
        now: datetime,
        *,
        state: ClaimState = ClaimState.PENDING,
    ) -> Claimed:
        """Take `token` for this member, or say who holds it. A pending claim left by a turn
        that died long ago is taken over."""
        values = {
            "partnership_id": partnership_id,
            "member_id": member_id,
            "token": token,
            "verb": verb[:64],
            "state": state.value,
            "reply": None,
            "created_at": now,
        }
        if self._insert(values):
            return FRESH
        row = self._row(partnership_id, token)
        if row is None:  # removed (released) between the insert and the read: try once more
            return FRESH if self._insert(values) else Claimed(fresh=False)
        if row.state == ClaimState.PENDING and is_abandoned(_aware(row.created_at), now):
            taken = self._session.execute(
                update(_RECORD)
                .where(_RECORD.c.id == row.id, _RECORD.c.created_at == row.created_at)
                .values(member_id=member_id, created_at=now)
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]  # CursorResult
                return FRESH
        return Claimed(
            fresh=False, member_id=row.member_id, state=ClaimState(row.state), reply=row.reply
        )

    def find(self, partnership_id: int, token: str) -> Claimed | None:
        row = self._row(partnership_id, token)
        if row is None:
            return None
        return Claimed(
            fresh=False, member_id=row.member_id, state=ClaimState(row.state), reply=row.reply
        )

    def complete(self, partnership_id: int, token: str, reply: Mapping[str, Any]) -> None:
        self._session.execute(
            _COMPLETE, {"partnership": partnership_id, "key": token, "new_reply": dict(reply)}
        )

    def release(self, partnership_id: int, token: str) -> None:
        """The handler failed: forget the claim, so trying again can work."""
        self._session.execute(
            delete(_RECORD).where(
                _RECORD.c.partnership_id == partnership_id,
                _RECORD.c.token == token,
                _RECORD.c.state == ClaimState.PENDING.value,
            )
        )

    def _insert(self, values: Mapping[str, Any]) -> bool:
        dialect = self._session.get_bind().dialect.name
        claim = _CLAIM_POSTGRESQL if dialect == "postgresql" else _CLAIM_SQLITE
        return execute(self._session, claim, values).rowcount == 1

    def _row(self, partnership_id: int, token: str) -> Any:
        return self._session.execute(
            select(
                _RECORD.c.id,
                _RECORD.c.member_id,
                _RECORD.c.state,
                _RECORD.c.reply,
                _RECORD.c.created_at,
            ).where(_RECORD.c.partnership_id == partnership_id, _RECORD.c.token == token)
        ).first()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
