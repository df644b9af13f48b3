"""Idempotency records: claimed with INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL
both), so of two concurrent duplicates exactly one inserts, and the other reads the first's.

On PostgreSQL an insert that meets a conflicting row another transaction has inserted (or is
changing) and not committed waits for that transaction to end: a duplicate of a return's save,
whose claim commits with the save (bot/core.py record_speaker), sat on one of the database
threads for as long as the save's transaction stayed open, up to `lock_timeout` (5 s), then got
"Please try again". So every transaction that writes a claim row first takes a
transaction-level advisory lock on the claim's key (`claim_lock_key`): the claim insert tries it
without waiting (pg_try_advisory_xact_lock, in the insert's own statement, so the save sends
no more statements), and a key some other transaction holds is answered at once as in flight
(domain/idempotency.py `IN_FLIGHT`), with nothing inserted; `complete` and `release` take it
(waiting only for another duplicate's claim or look, a few milliseconds) unless this
transaction holds it already; `find` tries it too, so a duplicate looking again reads a
settled row or learns the first is still in flight, never waiting. One effect per click is the
unique key's, as before: the lock only decides who waits. SQLite has one writer and no such
wait (its one-unit turn runs inline and can't be overtaken): nothing changes there.

The claim, its completion and release take that one lock (`claim_lock_key`, computed in SQL).
Retention's spending of old replies and deletion of old claims don't: a lock a row, held to
the end of the run's one transaction, would take a busy day's worth of slots in PostgreSQL's
shared lock table (about 64 per connection), and a full table refuses every lock in the
server. So a click on a day-old card that meets retention deleting its row waits for the
run's commit (rare: the run is nightly and short). Batches in their own transactions would
let retention take the lock; docs/progress.md has it on the list.

Whose claim is in flight: with the key's lock the claim also marks its member (a second
advisory lock, two-key form: the key's 31-bit holder digest and the member id), so a click
that finds the key held reads who holds it from pg_locks (`_HOLDER`, only then). The same
member is told their first click is still being worked on; another member gets the answer a
committed claim of someone else's gets (bot/once.py). A key held by no member's claim (a look,
`complete` or `release` in their own transaction) reads as held by nobody: looked at again,
and, still held after a second, the click is told the button was busy and to press it again
(`idempotency.still_waiting`), never that its first click is being worked on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    exists,
    func,
    literal,
    select,
    table,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import BIT, OID
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


def _digest(partnership: Any, token: Any) -> Any:
    return func.sha256(func.convert_to(func.concat(partnership, ":", token), "UTF8"))


def claim_lock_key(partnership: Any, token: Any) -> ColumnElement[int]:
    """The claim's advisory lock key, in SQL (bound values or a row's columns): a signed 64-bit
    digest of its unique key (the first 8 bytes of SHA-256 of "partnership:token"). Two claims
    sharing one (about one pair in 2^64) would only make a duplicate told "in flight"."""
    first8 = func.encode(func.substr(_digest(partnership, token), 1, 8), "hex")
    return cast(cast(literal("x") + first8, BIT(64)), BigInteger)


def _holder_key(partnership: Any, token: Any) -> ColumnElement[int]:
    """The first key of the member mark's two-key lock: 31 bits of the same digest (bytes
    9-12), non-negative, so pg_locks' classid (an oid) reads it back as it was given."""
    next4 = func.encode(func.substr(_digest(partnership, token), 9, 4), "hex")
    return cast(cast(literal("x") + next4, BIT(32)), Integer).op("&")(0x7FFFFFFF)


def _try_lock(key: ColumnElement[int]) -> ColumnElement[bool]:
    return func.pg_try_advisory_xact_lock(key)


_PARTNERSHIP = bindparam("partnership", type_=Integer)
_KEY = bindparam("key", type_=String)
_TRY_LOCK = select(_try_lock(claim_lock_key(_PARTNERSHIP, _KEY)))
_LOCK = select(func.pg_advisory_xact_lock(claim_lock_key(_PARTNERSHIP, _KEY)))
# Who holds the key's claim, as its member mark says (None: no member's claim holds it).
_LOCKS = table(
    "pg_locks",
    column("locktype"),
    column("database"),
    column("classid"),
    column("objid"),
    column("objsubid"),
    column("granted"),
)
_THIS_DATABASE = (
    select(column("oid"))
    .select_from(table("pg_database"))
    .where(column("datname") == func.current_database())
    .scalar_subquery()
)


def _holder(partnership: Any, token: Any) -> Any:
    return (
        select(cast(_LOCKS.c.objid, BigInteger))
        .where(
            _LOCKS.c.locktype == "advisory",
            _LOCKS.c.granted,
            _LOCKS.c.objsubid == 2,
            _LOCKS.c.database == _THIS_DATABASE,
            _LOCKS.c.classid == cast(_holder_key(partnership, token), OID),
        )
        .limit(1)
        .scalar_subquery()
    )


_HOLDER = select(_holder(_PARTNERSHIP, _KEY))

_INSERTED = ("partnership_id", "member_id", "token", "verb", "state", "reply", "created_at")
_BOUND_PARTNERSHIP = bindparam("partnership_id", type_=_RECORD.c.partnership_id.type)
_BOUND_TOKEN = bindparam("token", type_=_RECORD.c.token.type)
# The key's advisory lock tried first (MATERIALIZED: evaluated once, before the insert reads
# it); the insert runs only if it was got. Then, if got, the member's mark; if not, who holds
# it. One row: whether the lock was got, whether this statement inserted the claim, and the
# member whose claim holds the key (when not got).
_CLAIM_LOCK = (
    select(_try_lock(claim_lock_key(_BOUND_PARTNERSHIP, _BOUND_TOKEN)).label("got"))
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
_CLAIM_MARK = (
    select(
        case(
            (
                # Marked only by the click whose claim this is (it inserted the row): a click
                # refused for someone else's committed claim holds the key briefly too, and
                # must not read as its holder to that claim's own duplicate.
                and_(_CLAIM_LOCK.c.got, exists(select(_CLAIM_TAKEN.c.id))),
                func.pg_try_advisory_xact_lock(
                    _holder_key(_BOUND_PARTNERSHIP, _BOUND_TOKEN),
                    bindparam("member_id", type_=Integer),
                ),
            ),
            else_=None,
        ).label("marked"),
        case((_CLAIM_LOCK.c.got, None), else_=_holder(_BOUND_PARTNERSHIP, _BOUND_TOKEN)).label(
            "holder"
        ),
    )
    .cte("claim_mark")
    .prefix_with("MATERIALIZED")
)
_CLAIM_POSTGRESQL = select(
    select(_CLAIM_LOCK.c.got).scalar_subquery().label("got"),
    select(func.count()).select_from(_CLAIM_TAKEN).scalar_subquery().label("taken"),
    select(_CLAIM_MARK.c.holder).scalar_subquery().label("holder"),
    select(_CLAIM_MARK.c.marked).scalar_subquery().label("marked"),
)


class SqlClaims:
    def __init__(self, session: Session) -> None:
        self._session = session
        # The claims (partnership, token) whose key's advisory lock this transaction holds
        # (PostgreSQL).
        self._locked: set[tuple[int, str]] = set()

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
        if isinstance(taken, Claimed):
            return taken
        if taken:
            return FRESH
        row = self._row(partnership_id, token)
        if row is None:  # removed (released) between the insert and the read: try once more
            taken = self._insert(values)
            if isinstance(taken, Claimed):
                return taken
            return FRESH if taken else Claimed(fresh=False)
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
        if self._postgresql() and (partnership_id, token) not in self._locked:
            names = {"partnership": partnership_id, "key": token}
            if not self._session.execute(_TRY_LOCK, names).scalar():
                return _in_flight(self._session.execute(_HOLDER, names).scalar())
            self._locked.add((partnership_id, token))
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

    def _insert(self, values: Mapping[str, Any]) -> bool | Claimed:
        """Whether this inserted the claim; in flight (PostgreSQL) when another transaction
        holds its key, so nothing was tried, with whose claim holds it where one does."""
        if not self._postgresql():
            return execute(self._session, _CLAIM_SQLITE, values).rowcount == 1
        row: Any = execute(self._session, _CLAIM_POSTGRESQL, values).one()
        got, taken, holder, _marked = row
        if not got:
            return _in_flight(holder)
        self._locked.add((values["partnership_id"], values["token"]))
        return bool(taken)

    def _hold_key(self, partnership_id: int, token: str) -> None:
        """Before writing a claim row: its key's advisory lock (PostgreSQL), unless held."""
        if not self._postgresql() or (partnership_id, token) in self._locked:
            return
        self._session.execute(_LOCK, {"partnership": partnership_id, "key": token})
        self._locked.add((partnership_id, token))

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


def _in_flight(holder: int | None) -> Claimed:
    """In flight, with whose claim holds the key where its member mark says (else unknown)."""
    return IN_FLIGHT if holder is None else replace(IN_FLIGHT, member_id=int(holder))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
