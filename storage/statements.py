"""Prebuilt Core statements (the save turn's reads and writes, the claim insert) run on the
unit's own connection through SQLAlchemy's public API.

`Session.execute` costs about twice as much per small statement as `Connection.execute`: it
looks up the bind and sets up ORM execution every time. These statements are plain Core (no
ORM entities loaded), so they go straight to the connection the unit's transaction holds:
same transaction, same compiled cache, same events, same error translation. Like
`Session.execute`, pending ORM changes are flushed first, so the statement sees them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.orm import Session


def execute(
    session: Session, statement: Executable, params: Mapping[str, Any]
) -> CursorResult[Any]:
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)
