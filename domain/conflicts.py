"""Which database refusals are two writers meeting, not the database failing.

PostgreSQL ends a transaction it will not let finish with a SQLSTATE: a deadlock (two
transactions each holding a row the other waits for: one is rolled back), a serialization
failure, or a lock waited for past `lock_timeout`. Each rolls the whole transaction back and
the server stays up, so the user is told someone else was changing the same thing, not that
the database is out of reach, and the unit may be run again. SQLite has no SQLSTATE: its
"database is locked" stays what it was (storage/database.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Conflict(StrEnum):
    DEADLOCK = "deadlock"
    SERIALIZATION = "serialization failure"
    LOCK_TIMEOUT = "lock timeout"


@dataclass(frozen=True)
class ConflictRule:
    conflict: Conflict
    # Whether running the unit once more is worth it: a deadlock or a serialization failure
    # is decided within a second (PostgreSQL's deadlock_timeout) and the other transaction
    # has usually finished by then; a lock timeout has already waited the whole lock timeout
    # (5 s), and a second wait as long would outlast the turn's (8 s).
    retry: bool


CONFLICTS: dict[str, ConflictRule] = {
    "40P01": ConflictRule(Conflict.DEADLOCK, retry=True),
    "40001": ConflictRule(Conflict.SERIALIZATION, retry=True),
    "55P03": ConflictRule(Conflict.LOCK_TIMEOUT, retry=False),
}


def conflict_of(sqlstate: str | None) -> ConflictRule | None:
    """The rule for a refusal's SQLSTATE, or None when it is no concurrency conflict (an
    outage, a constraint, a bug: each handled as it was)."""
    return CONFLICTS.get(sqlstate or "")
