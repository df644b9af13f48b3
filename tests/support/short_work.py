"""The check behind `Database.run_short`: a unit that promised to be short (a handful of rows)
and ran more than SHORT_STATEMENTS statements fails the test that ran it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from storage.database import SHORT_STATEMENTS, SHORT_WORK


class ShortWorkGuard:
    """Counts each short unit's statements (on whichever thread runs it) and keeps the SQL of
    every unit that ran more than allowed."""

    def __init__(self, limit: int = SHORT_STATEMENTS) -> None:
        self.limit = limit
        self.overruns: list[list[str]] = []
        self._lock = threading.Lock()
        self._units: dict[int, list[str]] = {}

    def count(self, _conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        unit = SHORT_WORK.unit
        if not unit:
            return
        with self._lock:
            sent = self._units.setdefault(unit, [])
            sent.append(statement.split("\n")[0][:120])
            if len(sent) == self.limit + 1:
                self.overruns.append(sent)

    def failure(self) -> str | None:
        if not self.overruns:
            return None
        first = "\n  ".join(self.overruns[0])
        return (
            f"{len(self.overruns)} unit(s) run with run_short ran more than {self.limit} "
            f"statements: use Database.run for them, or make them shorter. The first:\n  {first}"
        )


@contextmanager
def short_work_guard(limit: int = SHORT_STATEMENTS) -> Iterator[ShortWorkGuard]:
    guard = ShortWorkGuard(limit)
    event.listen(Engine, "before_cursor_execute", guard.count)
    try:
        yield guard
    finally:
        event.remove(Engine, "before_cursor_execute", guard.count)
