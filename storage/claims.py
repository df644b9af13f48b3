"""Idempotency records: claimed with INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL
both), so of two concurrent duplicates exactly one inserts, and the other reads the first's.

On PostgreSQL an insert that meets a conflicting row another transaction has inserted (or is
changing) and not committed waits for that transaction to end: a duplicate of a return's save,
whose claim commits with the save (bot/core.py record_speaker), sat on one of the database
threads for as long as the save's transaction stayed open, up to `lock_timeout` (5 s), then got
"Please try again". So every transaction that writes a claim row first takes a
transaction-level advisory lock on the claim's key (`_lock_key`): the claim insert tries it
without waiting (pg_try_advisory_xact_lock, in the insert's own statement, so the save sends
no more statements), and a key some other transaction holds is answered at once as in flight
(domain/idempotency.py `IN_FLIGHT`), with nothing inserted; `complete` and `release` take it
(waiting only for another duplicate's claim or look, a few milliseconds) unless this
transaction holds it already; `find` tries it too, so a duplicate looking again reads a
settled row or learns the first is still in flight, never waiting. One effect per click is the
unique key's, as before: the lock only decides who waits. SQLite has one writer and no such
wait (its one-unit turn runs inline and can't be overtaken): nothing changes there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, bindparam, cast, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.idempotency import FRESH, IN_FLIGHT, Claimed, ClaimState, is_abandoned
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


def _typed(name: str) -> Any:
    """The column's value, bound and cast as the column's type (a JSON column's None is the
    JSON null, as the plain insert binds it)."""
    column_type = _RECORD.c[name].type
    return cast(bindparam(name, type_=column_type), column_type)


_INSERTED = ("partnership_id", "member_id", "token", "verb", "state", "reply", "created_at")
# The key's advisory lock tried first (MATERIALIZED: evaluated once, before the insert reads
# it); the insert runs only if it was got. One row: whether the lock was got, and whether this
# statement inserted the claim.
_CLAIM_LOCK = (
    select(func.pg_try_advisory_xact_lock(bindparam("lock_key", type_=BigInteger)).label("got"))
    .cte("claim_lock")
    .prefix_with("MATERIALIZED")
)
_CLAIM_TAKEN = (
    postgresql.insert(_RECORD)
    .from_select(
        list(_INSERTED),
        select(*(_typed(name) for name in _INSERTED)).where(_CLAIM_LOCK.c.got),
    )
    .on_conflict_do_nothing()
    .returning(_RECORD.c.id)
    .cte("claim_taken")
)
_CLAIM_POSTGRESQL = select(
    select(_CLAIM_LOCK.c.got).scalar_subquery().label("got"),
    select(func.count()).select_from(_CLAIM_TAKEN).scalar_subquery().label("taken"),
)
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:lock_key)").bindparams(
    bindparam("lock_key", type_=BigInteger)
)
_LOCK = text("SELECT pg_advisory_xact_lock(:lock_key)").bindparams(
    bindparam("lock_key", type_=BigInteger)
)


class SqlClaims:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The claim keys whose advisory lock this transaction holds (PostgreSQL).
        self._locked: set[int] = set()

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
        taken = self._insert(values)
        if taken is None:
            return IN_FLIGHT
        if taken:
            return FRESH
        row = self._row(partnership_id, token)
        if row is None:  # removed (released) between the insert and the read: try once more
            taken = self._insert(values)
            return IN_FLIGHT if taken is None else FRESH if taken else Claimed(fresh=False)
        if row.state == ClaimState.PENDING and is_abandoned(_aware(row.created_at), now):
            took = self._session.execute(
                update(_RECORD)
                .where(_RECORD.c.id == row.id, _RECORD.c.created_at == row.created_at)
                .values(member_id=member_id, created_at=now)
            )
            if took.rowcount == 1:  # type: ignore[attr-defined]  # CursorResult
                return FRESH
        return Claimed(
            fresh=False, member_id=row.member_id, state=ClaimState(row.state), reply=row.reply
        )

    def find(self, partnership_id: int, token: str) -> Claimed | None:
        """The claim as its last transaction left it, or IN_FLIGHT while a transaction still
        holds its key (PostgreSQL): never waits for one."""
        if self._postgresql():
            key = _lock_key(partnership_id, token)
            if key not in self._locked:
                if not self._session.execute(_TRY_LOCK, {"lock_key": key}).scalar():
                    return IN_FLIGHT
                self._locked.add(key)
        row = self._row(partnership_id, token)
        if row is None:
            return None
        return Claimed(
            fresh=False, member_id=row.member_id, state=ClaimState(row.state), reply=row.reply
        )

    def complete(self, partnership_id: int, token: str, reply: Mapping[str, Any]) -> None:
        self._hold_key(partnership_id, token)
        self._session.execute(
            _COMPLETE, {"partnership": partnership_id, "key": token, "new_reply": dict(reply)}
        )

    def release(self, partnership_id: int, token: str) -> None:
        """The handler failed: forget the claim, so trying again can work."""
        self._hold_key(partnership_id, token)
        self._session.execute(
            delete(_RECORD).where(
                _RECORD.c.partnership_id == partnership_id,
                _RECORD.c.token == token,
                _RECORD.c.state == ClaimState.PENDING.value,
            )
        )

    def _insert(self, values: Mapping[str, Any]) -> bool | None:
        """Whether this inserted the claim; None (PostgreSQL) when another transaction holds
        its key, so nothing was tried."""
        if not self._postgresql():
            return execute(self._session, _CLAIM_SQLITE, values).rowcount == 1
        key = _lock_key(values["partnership_id"], values["token"])
        row: Any = execute(self._session, _CLAIM_POSTGRESQL, {**values, "lock_key": key}).one()
        got, taken = row
        if not got:
            return None
        self._locked.add(key)
        return bool(taken)

    def _hold_key(self, partnership_id: int, token: str) -> None:
        """Before writing a claim row: its key's advisory lock (PostgreSQL), unless held."""
        if not self._postgresql():
            return
        key = _lock_key(partnership_id, token)
        if key not in self._locked:
            self._session.execute(_LOCK, {"lock_key": key})
            self._locked.add(key)

    def _postgresql(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

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


def _lock_key(partnership_id: int, token: str) -> int:
    """The claim's advisory lock key: a signed 64-bit digest of its unique key. Two claims
    sharing one (about one pair in 2^64) would only make a duplicate told "in flight"."""
    digest = hashlib.sha256(f"{partnership_id}:{token}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
