"""The database as data, for tests that check what a turn changed: a snapshot of every table
(read with SQL, so tables added later are covered), the differences between two snapshots, and
a Journey whose every step checks that a change came with an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, inspect, text

from tests.support.journey import Exchange, Journey

Rows = dict[Any, dict[str, Any]]
Snapshot = dict[str, Rows]

# Columns a turn may change without an audit event: who was last seen (the sighting), where a
# practitioner is in their return, edit counters and timestamps, and the chaser engine's own
# bookkeeping (its deliveries are recorded in chaser_log).
CHASE_STATE = {
    "next_chase_at",
    "chase_count",
    "overdue_chase_count",
    "last_chase_outcome",
    "last_chased_at",
}
BOOKKEEPING: dict[str, set[str]] = {
    "member": {"last_seen_at"},
    "pre_analysis_return": {"current_section", "revision", "updated_at", *CHASE_STATE},
    "action_item": {"updated_at", *CHASE_STATE},
    "review": {"updated_at"},
    "chaser_log": {"*"},
    # The claim on each click or activity (bot/once.py): delivery bookkeeping.
    "idempotency_record": {"*"},
}


def snapshot(engine: Engine) -> Snapshot:
    found = inspect(engine)
    tables: Snapshot = {}
    with engine.connect() as connection:
        for name in found.get_table_names():
            if name == "alembic_version":
                continue
            keys = found.get_pk_constraint(name)["constrained_columns"]
            result = connection.execute(text(f'SELECT * FROM "{name}"'))
            columns = list(result.keys())
            tables[name] = {}
            for row in result:
                values = dict(zip(columns, row, strict=True))
                tables[name][tuple(values[k] for k in keys)] = values
    return tables


@dataclass(frozen=True)
class Changed:
    table: str
    key: Any
    columns: tuple[str, ...]  # changed columns; ("+",) inserted, ("-",) deleted


def differences(before: Snapshot, after: Snapshot, ignore: bool = True) -> list[Changed]:
    """What changed, leaving out bookkeeping columns when `ignore` is set."""
    found: list[Changed] = []
    for table in sorted(set(before) | set(after)):
        skip = BOOKKEEPING.get(table, set()) if ignore else set()
        if "*" in skip:
            continue
        old, new = before.get(table, {}), after.get(table, {})
        for key in set(old) | set(new):
            if key not in old:
                found.append(Changed(table, key, ("+",)))
            elif key not in new:
                found.append(Changed(table, key, ("-",)))
            else:
                cols = tuple(
                    c for c in new[key] if new[key][c] != old[key].get(c) and c not in skip
                )
                if cols:
                    found.append(Changed(table, key, cols))
    return found


class AuditedJourney(Journey):
    """A Journey where every turn that changes data must also write an audit event."""

    def __init__(self, journey: Journey) -> None:
        super().__init__(journey.bot)
        self.unaudited: list[str] = []
        self.turns = 0

    async def turn(self, body: dict[str, Any]) -> Exchange:
        before = snapshot(self.bot.db.engine)
        result = await super().turn(body)
        self._check(_label(body), before)
        return result

    def _check(self, label: str, before: Snapshot) -> None:
        self.turns += 1
        after = snapshot(self.bot.db.engine)
        changed = differences(before, after)
        audited = [c for c in changed if c.table == "audit_event"]
        others = [c for c in changed if c.table != "audit_event"]
        if others and not audited:
            self.unaudited.append(f"{label}: {others[:5]}")
        if any(c.columns != ("+",) for c in audited):
            self.unaudited.append(f"{label}: an audit row was changed or removed")


def _label(body: dict[str, Any]) -> str:
    """A turn as a person would describe it: what they typed, or the button and its fields."""
    if body.get("type") == "invoke":
        action = body["value"]["action"]
        return f"{action['verb']} {sorted(action['data'])}"
    return f"say {body.get('text')!r}"
